"""Pure calculations (lifetime value, KPIs): no database, no Qt, no I/O."""
