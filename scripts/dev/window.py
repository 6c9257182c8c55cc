#!/usr/bin/env python3
"""Drive the real FieldChart window by what is on the screen, one command at a time.

For usability walks: someone (or an agent) who has only the printed manual operates the app the
way a person does, by reading the screen and pressing what it says, without knowing its element
ids. Each command is one action; `look` saves a screenshot and prints the visible text and
controls. The window runs under its own Xvfb at 1366x768, behind tauri-driver (scripts/setup.sh
installs both), exactly as the end-to-end test runs it.

  window.py up --snapshots DIR [--app PATH]   start the app (its own display and driver)
  window.py look                              screenshot + visible text + controls
  window.py press "TEXT" [--nth K]            press the button, tab, checkbox or link saying TEXT
  window.py fill "LABEL" "TEXT"               type TEXT into the field labelled LABEL
  window.py pick "LABEL" "OPTION"             choose OPTION in the list labelled LABEL
  window.py key Enter|Tab|Escape|Space        a key, to whatever has focus
  window.py down                              close the app

State lives in $FIELDCHART_WINDOW_STATE (default /tmp/fieldchart-window). Nothing here talks to
any network: the driver listens on 127.0.0.1.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

STATE_DIR = os.environ.get("FIELDCHART_WINDOW_STATE", "/tmp/fieldchart-window")
STATE = os.path.join(STATE_DIR, "state.json")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
KEYS = {"Enter": "\ue007", "Tab": "\ue004", "Escape": "\ue00c", "Space": " "}
REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))

# What a person can see and press, in reading order, with what each one says.
CONTROLS_JS = r"""
const shown = (el) => {
  if (el.closest('[hidden], [inert]')) return false;
  const s = getComputedStyle(el);
  if (s.visibility === 'hidden' || s.display === 'none') return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0;
};
const say = (el) => (el.innerText || el.value || el.getAttribute('aria-label') || '').replace(/\s+/g, ' ').trim();
const labelOf = (el) => {
  const byFor = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null;
  const label = byFor || el.closest('label');
  return (label ? say(label) : '') || el.getAttribute('aria-label') || el.placeholder || '';
};
const out = [];
for (const el of document.querySelectorAll('button, [role="tab"], a[href], input, select, textarea')) {
  if (!shown(el) || el.type === 'hidden') continue;
  const tag = el.tagName.toLowerCase();
  let kind = tag;
  if (tag === 'input') kind = el.type === 'checkbox' || el.type === 'radio' ? el.type : 'field';
  if (el.getAttribute('role') === 'tab') kind = 'tab';
  const item = { kind, el };
  if (kind === 'button' || kind === 'tab' || kind === 'a') item.text = say(el);
  else item.text = labelOf(el);
  if (kind === 'field' || tag === 'textarea') item.value = el.type === 'password' ? '•'.repeat(el.value.length) : el.value;
  if (tag === 'select') { item.value = el.selectedOptions[0]?.text ?? ''; item.options = [...el.options].map((o) => o.text); }
  if (kind === 'checkbox' || kind === 'radio') item.checked = el.checked;
  if (el.disabled) item.disabled = true;
  if (el.getAttribute('aria-selected') === 'true') item.selected = true;
  if (document.activeElement === el) item.focused = true;
  out.push(item);
}
return out;
"""


def load():
    try:
        with open(STATE) as f:
            return json.load(f)
    except FileNotFoundError:
        sys.exit("the window is not up: run `window.py up --snapshots DIR` first")


def call(state, method, path, body=None):
    url = f"http://127.0.0.1:{state['port']}/session/{state['session']}{path}"
    data = json.dumps(body if body is not None else {}).encode() if method == "POST" else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.load(r)["value"]
    except urllib.error.HTTPError as e:
        detail = json.load(e).get("value", {})
        sys.exit(f"the window said: {detail.get('error')}: {detail.get('message')}")


def script(state, js, args=None):
    return call(state, "POST", "/execute/sync", {"script": js, "args": args or []})


def controls(state):
    return script(state, CONTROLS_JS)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, what):
    for _ in range(300):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    sys.exit(f"{what} did not come up")


def up(args):
    os.makedirs(STATE_DIR, exist_ok=True)
    if os.path.exists(STATE):
        sys.exit(f"already up ({STATE}); run `window.py down` first")
    app = args.app or next(
        (p for p in (os.path.join(REPO, "target", d, "fieldchart-app") for d in ("release", "debug")) if os.path.exists(p)),
        None,
    )
    if not app:
        sys.exit("no fieldchart-app binary: build it (scripts/run.sh, or cargo build -p fieldchart-app) or pass --app")
    display = next(n for n in range(120, 200) if not os.path.exists(f"/tmp/.X11-unix/X{n}"))
    xvfb = subprocess.Popen(["Xvfb", f":{display}", "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(100):
        if os.path.exists(f"/tmp/.X11-unix/X{display}"):
            break
        time.sleep(0.1)
    port, native = free_port(), free_port()
    env = dict(os.environ, DISPLAY=f":{display}", FIELDCHART_SNAPSHOTS=os.path.abspath(args.snapshots),
               NO_AT_BRIDGE="1", WEBKIT_DISABLE_COMPOSITING_MODE="1",
               FIELDCHART_DRILL_AUDIT_LOG=os.path.join(STATE_DIR, "drill", "audit.log"))
    log = open(os.path.join(STATE_DIR, "driver.log"), "w")
    driver = subprocess.Popen(["tauri-driver", "--port", str(port), "--native-port", str(native)],
                              env=env, stdout=log, stderr=log, start_new_session=True)
    wait_port(port, "tauri-driver")
    wait_port(native, "WebKitWebDriver")
    body = {"capabilities": {"alwaysMatch": {"tauri:options": {"application": os.path.abspath(app)}}}}
    req = urllib.request.Request(f"http://127.0.0.1:{port}/session", data=json.dumps(body).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        session = json.load(r)["value"]["sessionId"]
    state = {"port": port, "session": session, "display": display, "pids": [xvfb.pid, driver.pid], "shots": 0}
    with open(STATE, "w") as f:
        json.dump(state, f)
    time.sleep(2)
    print(f"the app is up on display :{display}; now `window.py look`")


def down(_args):
    state = load()
    try:
        call(state, "DELETE", "")
    except SystemExit:
        pass
    for pid in state["pids"]:
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    os.remove(STATE)
    print("the app is closed")


def look(_args):
    state = load()
    time.sleep(0.5)
    state["shots"] += 1
    shot = os.path.join(STATE_DIR, f"screen-{state['shots']:02d}.png")
    subprocess.run(["import", "-display", f":{state['display']}", "-window", "root", shot], check=True)
    with open(STATE, "w") as f:
        json.dump(state, f)
    text = script(state, "return document.body.innerText;")
    print(f"screenshot: {shot}\n")
    print("--- what the screen says ---")
    print(text.strip()[:6000])
    print("\n--- what can be pressed or filled (in order on the screen) ---")
    for i, c in enumerate(controls(state)):
        marks = [m for m in ("disabled", "selected", "focused") if c.get(m)]
        line = f"{i:3d}. [{c['kind']}] {c.get('text', '')!r}"
        if "value" in c:
            line += f" value={c['value']!r}"
        if "checked" in c:
            line += " ☑" if c["checked"] else " ☐"
        if "options" in c:
            line += f" options={c['options']}"
        if marks:
            line += f" ({', '.join(marks)})"
        print(line)


def matching(state, kinds, text):
    found = [c for c in controls(state) if c["kind"] in kinds and text.lower() in c.get("text", "").lower()]
    return found


def choose_one(found, what, nth):
    if not found:
        sys.exit(f"nothing on the screen says {what!r} (run `window.py look`)")
    if len(found) > 1 and nth is None:
        listing = "\n".join(f"  --nth {i}: [{c['kind']}] {c.get('text', '')!r}" for i, c in enumerate(found))
        sys.exit(f"{len(found)} things say {what!r}; say which:\n{listing}")
    return found[nth or 0]


def press(args):
    state = load()
    c = choose_one(matching(state, ("button", "tab", "a", "checkbox", "radio"), args.text), args.text, args.nth)
    if c.get("disabled"):
        sys.exit(f"{c.get('text')!r} is there but greyed out (disabled)")
    el = c["el"]
    script(state, "arguments[0].scrollIntoView({block: 'center'});", [el])
    call(state, "POST", f"/element/{el[ELEMENT]}/click")
    print(f"pressed [{c['kind']}] {c.get('text')!r}")


def fill(args):
    state = load()
    c = choose_one(matching(state, ("field", "textarea"), args.label), args.label, args.nth)
    el = c["el"][ELEMENT]
    call(state, "POST", f"/element/{el}/clear")
    call(state, "POST", f"/element/{el}/value", {"text": args.text})
    print(f"typed into {c.get('text')!r}")


def pick(args):
    state = load()
    c = choose_one(matching(state, ("select",), args.label), args.label, args.nth)
    option = script(state, "return [...arguments[0].options].find((o) => o.text.includes(arguments[1])) ?? null;",
                    [c["el"], args.option])
    if not option:
        sys.exit(f"{c.get('text')!r} has no choice saying {args.option!r}; it offers {c.get('options')}")
    call(state, "POST", f"/element/{option[ELEMENT]}/click")
    print(f"chose {args.option!r} in {c.get('text')!r}")


def key(args):
    state = load()
    if args.name not in KEYS:
        sys.exit(f"keys: {', '.join(KEYS)}")
    k = KEYS[args.name]
    call(state, "POST", "/actions", {"actions": [{"type": "key", "id": "keyboard", "actions": [
        {"type": "keyDown", "value": k}, {"type": "keyUp", "value": k}]}]})
    print(f"pressed {args.name}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("up")
    u.add_argument("--snapshots", required=True)
    u.add_argument("--app")
    u.set_defaults(run=up)
    sub.add_parser("down").set_defaults(run=down)
    sub.add_parser("look").set_defaults(run=look)
    pr = sub.add_parser("press")
    pr.add_argument("text")
    pr.add_argument("--nth", type=int)
    pr.set_defaults(run=press)
    f = sub.add_parser("fill")
    f.add_argument("label")
    f.add_argument("text")
    f.add_argument("--nth", type=int)
    f.set_defaults(run=fill)
    pk = sub.add_parser("pick")
    pk.add_argument("label")
    pk.add_argument("option")
    pk.add_argument("--nth", type=int)
    pk.set_defaults(run=pick)
    k = sub.add_parser("key")
    k.add_argument("name")
    k.set_defaults(run=key)
    args = p.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
