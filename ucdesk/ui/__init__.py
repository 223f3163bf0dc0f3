"""The Qt widgets of ucdesk. They take plain domain values and emit signals; nothing here touches
the database, the SIP engine or the network (``ucdesk.app`` wires them up)."""
