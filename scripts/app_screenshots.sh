#!/usr/bin/env bash
# Screenshots of the real app (demo line, demo book) under Xvfb, for docs/screenshots/.
#   xvfb-run -a -s "-screen 0 1440x900x24" scripts/app_screenshots.sh
# Needs: imagemagick (import, convert), x11-utils (xwininfo).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
OUT=docs/screenshots
BASE=$(mktemp -d)
export XDG_RUNTIME_DIR=$(mktemp -d); chmod 700 "$XDG_RUNTIME_DIR"
ucdesk() { "$PY" -m ucdesk --basedir "$BASE" "$@"; }

"$PY" -m ucdesk --basedir "$BASE" >/dev/null 2>"$BASE/app.err" &
APP=$!
trap 'kill -TERM $APP 2>/dev/null; wait $APP 2>/dev/null; rm -rf "$BASE" "$XDG_RUNTIME_DIR"' EXIT
for _ in $(seq 50); do ucdesk history >/dev/null 2>&1 && [ -S "$XDG_RUNTIME_DIR"/ucdesk/*.sock ] && break; sleep 0.2; done
sleep 2

grab() {  # grab NAME WINDOW-TITLE: the screen, cropped to that window's geometry
  local geo
  geo=$(xwininfo -root -tree | awk -v t="\"$2\": (" 'index($0, t) {for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+x[0-9]+\+/) {print $i; exit}}')
  import -window root -crop "$geo" +repage "$OUT/$1.png"
}

# a little history: answered, declined, missed (the caller gives up)
ucdesk demo-call 021 555 0100 >/dev/null; sleep 1.5; ucdesk answer >/dev/null; sleep 4; ucdesk hangup >/dev/null; sleep 1
ucdesk demo-call 0795550177 >/dev/null; sleep 1.5; ucdesk hangup >/dev/null; sleep 1
ucdesk demo-call 0115551234 >/dev/null; sleep 2
grab screen-pop "Incoming call"
ucdesk answer >/dev/null; sleep 5
grab main-window "ucdesk"
convert "$OUT/main-window.png" -crop 380x380+0+20 +repage "$OUT/call-panel.png"
ucdesk hangup >/dev/null; sleep 1
echo "screenshots in $OUT"
