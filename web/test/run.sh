#!/usr/bin/env bash
# The browser test: build the web app (PROFILE=dev by default: quick to build;
# PROFILE=web tests the published build), serve it on localhost, and drive
# Chromium through it (browser-test.mjs), comparing its numbers with the
# desktop build's. Needs: chromium, node/npm, python3, a native build.
set -euo pipefail
cd "$(dirname "$0")/../.."

target_dir="${CARGO_TARGET_DIR:-target}"
bin="${SYSTEMDECODER_BIN:-$target_dir/debug/systemdecoder}"
out="${WEB_TEST_OUT:-$target_dir/web-test}"
seconds="${REPORT_SECONDS:-10}"
# A share link of a busy scenario: websockets, inboxes, phones, push, a crash.
linked="scenarios/lessons/whatsapp/8-final.ron"
mkdir -p "$out"

PROFILE="${PROFILE:-dev}" OUT="$out/dist" web/build.sh
(cd web/test && npm ci --no-audit --no-fund --loglevel=error)

# A page of the same site to hold an embed (an <iframe> of the app).
printf '<!doctype html><title>embed</title><link rel="icon" href="data:,">\n' > "$out/dist/blank.html"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$out/dist" "$port" > "$out/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
url="http://127.0.0.1:$port/"

# The desktop's view of each case: name, node count, report.
link=$("$bin" share "$linked" --base "$url")
"$bin" run scenarios/examples/three-tier.ron --seconds "$seconds" --json > "$out/native-default.json"
"$bin" run "$link" --seconds "$seconds" --json > "$out/native-link.json"
python3 - "$out" "$seconds" "${link#"$url"}" "$linked" "$bin" > "$out/cases.json" <<'PY'
import json, re, subprocess, sys
out, seconds, fragment, linked, bin = sys.argv[1:]
def describe(path):
    # The scenario's own name comes first in every file; `validate` counts its nodes.
    name = re.search(r'^\s*name:\s*"((?:[^"\\]|\\.)*)"', open(path).read(), re.M).group(1)
    said = subprocess.run([bin, "validate", path], capture_output=True, text=True, check=True).stdout
    return name, int(re.search(r"ok \((\d+) nodes", said).group(1))
cases = {"seconds": float(seconds)}
for key, path, report in [("default", "scenarios/examples/three-tier.ron", "native-default.json"),
                          ("link", linked, "native-link.json")]:
    name, nodes = describe(path)
    cases[key] = {"name": name, "nodes": nodes, "report": json.load(open(f"{out}/{report}"))}
cases["link"]["url"] = fragment
print(json.dumps(cases))
PY
# Two levels' reference solutions, shared as links to their levels.
level_link=$("$bin" share scenarios/levels/opening-day/reference.ron --base "${url}?level=opening-day")
other_link=$("$bin" share scenarios/levels/the-smartest-balancer/reference.ron --base "${url}?level=the-smartest-balancer")
# The shipped recorded run, as a replay link.
replay_link=$("$bin" replay scenarios/replays/three-tier-outage.replay.ron --link "$url")
"$bin" replay scenarios/replays/three-tier-outage.replay.ron --to 15 --json > "$out/native-replay.json"
python3 - "$out/cases.json" "${level_link#"$url"}" "${other_link#"$url"}" "${replay_link#"$url"}" <<'PY'
import json, sys
path, tail, other, replay = sys.argv[1:]
cases = json.load(open(path))
cases["level"] = {"id": "opening-day", "solution": tail}
cases["level2"] = {"id": "the-smartest-balancer", "solution": other, "nodes": 6}
cases["replay"] = {"url": replay, "steps": 2, "nodes": 7, "seconds": 15,
                  "report": json.load(open(path.replace("cases.json", "native-replay.json")))}
json.dump(cases, open(path, "w"))
PY
node web/test/browser-test.mjs "$url" "$out" "$out/cases.json"
