"""Driver for bench/glance-images-capture.sh: sends the requests to a running Glance 25.1 and writes what it
answered as Markdown. Each step shows the request (method, path, identity, headers that matter, body) and the
answer (status, every header but Date, body). Binary bodies are summarised (length, md5)."""

import argparse
import hashlib
import http.client
import http.server
import json
import os
import re
import subprocess
import threading
import time
import urllib.parse

MARKER = "<!-- generated below by bench/glance-images-capture.sh: do not edit by hand -->"

IDENT = {
    "admin-a": ("proj-a", "admin,member,reader"),
    "member-a": ("proj-a", "member,reader"),
    "reader-a": ("proj-a", "reader"),
    "member-b": ("proj-b", "member,reader"),
}


class Capture:
    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.out = []

    def h(self, level, text):
        self.out.append("\n" + "#" * level + " " + text + "\n")

    def p(self, text):
        self.out.append(text + "\n")

    def call(self, title, method, path, who="admin-a", body=None, headers=None, ctype=None, show=True, note=None):
        hdrs = {}
        if who:
            proj, roles = IDENT[who]
            hdrs.update({"X-Identity-Status": "Confirmed", "X-Project-Id": proj, "X-User-Id": who, "X-Roles": roles})
        shown = {}
        chunks = None
        if hasattr(body, "__next__"):  # an iterator: http.client sends it with Transfer-Encoding: chunked
            chunks = list(body)
            body = iter(chunks)
            headers = {k: v for k, v in (headers or {}).items() if k.lower() != "transfer-encoding"}
            shown["Transfer-Encoding"] = "chunked"
        elif body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            ctype = ctype or "application/json"
        if isinstance(body, str):
            body = body.encode()
        if ctype:
            shown["Content-Type"] = ctype
        for k, v in (headers or {}).items():
            shown[k] = v
        hdrs.update({k: v for k, v in shown.items() if k != "Transfer-Encoding"})
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        r = Resp(resp.status, resp.reason, resp.getheaders(), data)
        if show:
            self.h(3, title)
            if note:
                self.p(note + "\n")
            lines = [f"{method} {path}"]
            if who:
                lines.append(f"# as {who}: X-Project-Id: {IDENT[who][0]}, X-Roles: {IDENT[who][1]}")
            else:
                lines.append("# no identity headers")
            lines += [f"{k}: {v}" for k, v in shown.items()]
            if chunks is not None:
                lines.append("")
                lines.append(f"<{len(chunks)} chunks, {sum(map(len, chunks))} bytes, md5 "
                             f"{hashlib.md5(b''.join(chunks)).hexdigest()}>")
            elif body is not None:
                lines.append("")
                lines.append(describe_body(body, ctype))
            self.p("```http\n" + "\n".join(lines) + "\n```\n")
            rl = [f"HTTP/1.1 {r.status} {r.reason}"]
            rl += [f"{k}: {v}" for k, v in r.headers if k.lower() not in ("date", "connection")]
            rl.append("")
            rl.append(describe_body(data, r.header("Content-Type")))
            self.p("```http\n" + "\n".join(rl).rstrip() + "\n```\n")
        return r


class Resp:
    def __init__(self, status, reason, headers, data):
        self.status, self.reason, self.headers, self.data = status, reason, headers, data

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def json(self):
        return json.loads(self.data)


def describe_body(data, ctype):
    """The body as sent (JSON unchanged, in Glance's own key order); runs of one character longer than 40 are
    shortened to `cccccccc…<N × 'c'>`; binary bodies become `<N bytes, md5 …>`."""
    if data is None or len(data) == 0:
        return ""
    ct = (ctype or "").lower()
    if "octet-stream" in ct or not is_text(data):
        return f"<{len(data)} bytes, md5 {hashlib.md5(data).hexdigest()}>"
    return re.sub(r"(.)\1{40,}", lambda m: f"{m.group(1) * 8}…<{len(m.group(0))} × '{m.group(1)}'>", data.decode())


def is_text(data):
    try:
        data.decode()
        return True
    except UnicodeDecodeError:
        return False


def start_source(port, directory):
    """python's http.server on the directory, plus /slow/N: N KiB of zeros sent 64 KiB every 0.25 s."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=directory, **kw)

        def log_message(self, *a):
            pass

        def do_GET(self):
            if self.path.startswith("/slow/"):
                kib = int(self.path.split("/")[2])
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(kib * 1024))
                self.end_headers()
                chunk = b"\0" * 65536
                sent = 0
                while sent < kib * 1024:
                    n = min(len(chunk), kib * 1024 - sent)
                    self.wfile.write(chunk[:n])
                    self.wfile.flush()
                    sent += n
                    time.sleep(0.25)
                return
            super().do_GET()

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def wait_image(c, iid, cond, who="admin-a", timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = c.call("", "GET", f"/v2/images/{iid}", who=who, show=False)
        img = r.json()
        if cond(img):
            return img
        time.sleep(0.2)
    raise SystemExit(f"image {iid} did not reach the expected state; last: {img}")


def new_image(c, who="admin-a", **props):
    body = {"disk_format": "raw", "container_format": "bare"}
    body.update(props)
    r = c.call("", "POST", "/v2/images", who=who, body=body, show=False)
    assert r.status == 201, r.data
    return r.json()["id"]


def matrix(c, src_url):
    def img(state="queued", **props):
        body = {"disk_format": "raw", "container_format": "bare", "visibility": "private"}
        body.update(props)
        iid = c.call("", "POST", "/v2/images", body=body, show=False).json()["id"]
        if state in ("active", "deactivated"):
            c.call("", "PUT", f"/v2/images/{iid}/file", body=b"abc", ctype="application/octet-stream", show=False)
        if state == "deactivated":
            c.call("", "POST", f"/v2/images/{iid}/actions/deactivate", show=False)
        return iid

    V21 = "application/openstack-images-v2.1-json-patch"
    name_patch = [{"op": "replace", "path": "/name", "value": "x"}]
    web = {"method": {"name": "web-download", "uri": f"{src_url}/disk.raw"}}
    rows = [
        ("POST /v2/images `{}`", lambda: ("POST", "/v2/images", {}, None)),
        ("POST /v2/images visibility public", lambda: ("POST", "/v2/images", {"visibility": "public"}, None)),
        ("POST /v2/images visibility community", lambda: ("POST", "/v2/images", {"visibility": "community"}, None)),
        ("POST /v2/images owner proj-a", lambda: ("POST", "/v2/images", {"owner": "proj-a"}, None)),
        ("GET /v2/images/{id}", lambda: ("GET", f"/v2/images/{img()}", None, None)),
        ("PATCH name", lambda: ("PATCH", f"/v2/images/{img()}", name_patch, V21)),
        ("PATCH name (public image)", lambda: ("PATCH", f"/v2/images/{img(visibility='public')}", name_patch, V21)),
        ("PATCH visibility public", lambda: ("PATCH", f"/v2/images/{img()}",
                                             [{"op": "replace", "path": "/visibility", "value": "public"}], V21)),
        ("PATCH visibility shared", lambda: ("PATCH", f"/v2/images/{img()}",
                                             [{"op": "replace", "path": "/visibility", "value": "shared"}], V21)),
        ("PUT /tags/x", lambda: ("PUT", f"/v2/images/{img()}/tags/x", None, None)),
        ("DELETE /tags/t", lambda: ("DELETE", f"/v2/images/{img(tags=['t'])}/tags/t", None, None)),
        ("PUT /file", lambda: ("PUT", f"/v2/images/{img()}/file", b"abc", "application/octet-stream")),
        ("PUT /stage", lambda: ("PUT", f"/v2/images/{img()}/stage", b"abc", "application/octet-stream")),
        ("POST /import web-download", lambda: ("POST", f"/v2/images/{img()}/import", web, None)),
        ("GET /file (active)", lambda: ("GET", f"/v2/images/{img('active')}/file", None, None)),
        ("GET /file (active, public)", lambda: ("GET", f"/v2/images/{img('active', visibility='public')}/file",
                                                 None, None)),
        ("deactivate (active)", lambda: ("POST", f"/v2/images/{img('active')}/actions/deactivate", None, None)),
        ("reactivate (deactivated)", lambda: ("POST", f"/v2/images/{img('deactivated')}/actions/reactivate",
                                              None, None)),
        ("DELETE /v2/images/{id}", lambda: ("DELETE", f"/v2/images/{img()}", None, None)),
        ("DELETE /v2/images/{id} (public)", lambda: ("DELETE", f"/v2/images/{img(visibility='public')}", None,
                                                     None)),
        ("GET /v2/images/{id}/tasks", lambda: ("GET", f"/v2/images/{img()}/tasks", None, None)),
        ("GET /v2/info/import", lambda: ("GET", "/v2/info/import", None, None)),
        ("GET /members (shared image)", lambda: ("GET", f"/v2/images/{img(visibility='shared')}/members", None,
                                                 None)),
        ("POST /members proj-b (shared image)", lambda: ("POST", f"/v2/images/{img(visibility='shared')}/members",
                                                         {"member": "proj-b"}, None)),
    ]
    who = ["admin-a", "member-a", "reader-a", "member-b"]
    c.p("| request | " + " | ".join(f"{w} ({IDENT[w][0]}: {IDENT[w][1]})" for w in who) + " |")
    c.p("|---|" + "---|" * len(who))
    for label, make in rows:
        cells = []
        for w in who:
            method, path, body, ctype = make()
            r = c.call("", method, path, who=w, body=body, ctype=ctype, show=False)
            cell = str(r.status)
            if r.status >= 400:
                lines = [x.strip() for x in r.data.decode(errors="replace").splitlines() if x.strip()]
                msg = lines[-1] if lines else ""
                cell += " " + msg.replace("|", "\\|")
            cells.append(cell)
        c.p(f"| {label} | " + " | ".join(cells) + " |")
    c.p("")


def policy_section(c):
    from glance import policies

    c.h(2, "10. Policy rules (in-code defaults of glance 25.1, `oslopolicy-sample-generator --namespace glance`)")
    c.p(
        "The rule each operation is checked against, its default, the operations the rule documents, and the "
        "deprecated default it is OR-ed with while `[oslo_policy] enforce_new_defaults` is False (its default "
        "in this oslo.policy, 4.0.0, and in this capture)."
    )
    c.p("\n| rule | default | operations | deprecated default (OR-ed) |\n|---|---|---|---|")
    for r in policies.list_rules():
        ops = "; ".join(f"{o['method']} {o['path']}" for o in getattr(r, "operations", []) or [])
        dep = getattr(r, "deprecated_rule", None)
        dep_s = f"`{dep.check_str}`" if getattr(dep, "check_str", None) is not None else ""
        check = f"`{r.check_str}`" if r.check_str else '`""` (anyone)'
        if dep_s == "``":
            dep_s = '`""` (anyone)'
        c.p(f"| `{r.name}` | {check} | {ops} | {dep_s} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--glance", required=True)
    ap.add_argument("--source-port", type=int, required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--part", choices=["main", "rbac"], default="main")
    a = ap.parse_args()
    if a.part == "rbac":
        src = start_source(a.source_port, a.source_dir)
        c = Capture(a.glance)
        c.h(2, "12. Permission matrix with secure RBAC (`enforce_new_defaults = True`, `enforce_secure_rbac = True`)")
        c.p("The same matrix against the same Glance restarted with `[oslo_policy] enforce_new_defaults = True` and "
            "`[DEFAULT] enforce_secure_rbac = True` (the deprecated defaults are no longer OR-ed in).\n")
        matrix(c, f"http://127.0.0.1:{a.source_port}")
        src.shutdown()
        with open(a.out, "a") as f:
            f.write("".join(c.out))
        return

    payload = os.urandom(1024 * 1024 + 7)
    with open(os.path.join(a.source_dir, "disk.raw"), "wb") as f:
        f.write(payload)
    src = start_source(a.source_port, a.source_dir)
    src_url = f"http://127.0.0.1:{a.source_port}"
    c = Capture(a.glance)
    t0 = time.time()

    c.p(
        f"Source payload: `disk.raw`, {len(payload)} random bytes, md5 `{hashlib.md5(payload).hexdigest()}`, "
        f"sha512 `{hashlib.sha512(payload).hexdigest()}`; served at `{src_url}/disk.raw`. "
        f"`{src_url}/slow/N` sends N KiB of zeros, 64 KiB every 0.25 s."
    )

    # ---------------------------------------------------------------- versions, schema
    c.h(2, "1. Versions document and image schema")
    c.call("GET / (no identity needed)", "GET", "/", who=None)
    c.call("GET /v2/schemas/image", "GET", "/v2/schemas/image", who="member-a")

    # ---------------------------------------------------------------- create
    c.h(2, "2. POST /v2/images")
    r = c.call("empty body `{}` as admin: the defaults", "POST", "/v2/images", body={})
    empty_id = r.json()["id"]
    c.call("the same image read back", "GET", f"/v2/images/{empty_id}")
    full_id = "11111111-2222-4333-8444-555555555555"
    c.call(
        "every writable base attribute, a caller-chosen id, extra properties",
        "POST",
        "/v2/images",
        body={
            "id": full_id,
            "name": "full",
            "disk_format": "qcow2",
            "container_format": "bare",
            "visibility": "private",
            "min_ram": 512,
            "min_disk": 1,
            "protected": False,
            "tags": ["b", "a"],
            "os_hidden": False,
            "architecture": "x86_64",
            "os_distro": "debian",
            "hw_disk_bus": "scsi",
            "foo": "bar",
        },
    )
    c.call("duplicate id", "POST", "/v2/images", body={"id": full_id})
    c.call("as member-a, no owner", "POST", "/v2/images", who="member-a", body={"name": "m"})
    c.call("as member-a with owner = own project", "POST", "/v2/images", who="member-a", body={"owner": "proj-a"})
    c.call("as member-a with owner = another project", "POST", "/v2/images", who="member-a", body={"owner": "proj-b"})
    c.call("as admin-a with owner = another project", "POST", "/v2/images", body={"owner": "proj-b"})
    c.call("as member-a, visibility public", "POST", "/v2/images", who="member-a", body={"visibility": "public"})
    c.call("as member-a, visibility community", "POST", "/v2/images", who="member-a", body={"visibility": "community"})
    c.call("as member-a, visibility shared", "POST", "/v2/images", who="member-a", body={"visibility": "shared"})
    c.call("no body", "POST", "/v2/images", body=b"", ctype="application/json")
    c.call("malformed JSON", "POST", "/v2/images", body=b"{", ctype="application/json")
    c.call("a JSON list", "POST", "/v2/images", body=b"[]", ctype="application/json")
    c.call("JSON sent as text/plain", "POST", "/v2/images", body=b'{"name": "tp"}', ctype="text/plain")
    c.call("bad disk_format", "POST", "/v2/images", body={"disk_format": "floppy"})
    c.call("disk_format in upper case", "POST", "/v2/images", body={"disk_format": "RAW"})
    c.call("bad container_format", "POST", "/v2/images", body={"container_format": "box"})
    c.call("bad visibility", "POST", "/v2/images", body={"visibility": "everyone"})
    c.call("id not a UUID", "POST", "/v2/images", body={"id": "abc"})
    c.call("id a UUID without dashes", "POST", "/v2/images", body={"id": "11111111222243338444555555555556"})
    for attr, val in [
        ("status", "active"),
        ("size", 5),
        ("virtual_size", 5),
        ("checksum", "0" * 32),
        ("os_hash_algo", "sha512"),
        ("os_hash_value", "0" * 128),
        ("location", "http://example.com/x"),
        ("locations", []),
        ("direct_url", "http://example.com/x"),
        ("self", "/v2/images/x"),
        ("file", "/v2/images/x/file"),
        ("schema", "/v2/schemas/image"),
        ("created_at", "2020-01-01T00:00:00Z"),
        ("updated_at", "2020-01-01T00:00:00Z"),
        ("deleted", False),
        ("deleted", "x"),
        ("deleted_at", None),
        ("stores", "file"),
        ("os_glance_import_task", "x"),
        ("os_glance_failed_import", "x"),
        ("os_glance_importing_to_stores", "x"),
    ]:
        c.call(f"reserved or read-only attribute `{attr}`", "POST", "/v2/images", body={attr: val})
    c.call("name of 255 characters", "POST", "/v2/images", body={"name": "n" * 255})
    c.call("name of 256 characters", "POST", "/v2/images", body={"name": "n" * 256})
    c.call("name null", "POST", "/v2/images", body={"name": None})
    c.call("min_ram negative", "POST", "/v2/images", body={"min_ram": -1})
    c.call("min_disk negative", "POST", "/v2/images", body={"min_disk": -1})
    c.call("min_ram as a string", "POST", "/v2/images", body={"min_ram": "5"})
    c.call("min_ram as a float", "POST", "/v2/images", body={"min_ram": 1.5})
    c.call("protected not a boolean", "POST", "/v2/images", body={"protected": "yes"})
    c.call("os_hidden not a boolean", "POST", "/v2/images", body={"os_hidden": "true"})
    c.call("tags with a duplicate", "POST", "/v2/images", body={"tags": ["a", "a"]})
    c.call("a tag of 256 characters", "POST", "/v2/images", body={"tags": ["t" * 256]})
    c.call("a tag of 255 characters", "POST", "/v2/images", body={"tags": ["t" * 255]})
    c.call("tags not a list", "POST", "/v2/images", body={"tags": "a"})
    c.call("extra property with a number value", "POST", "/v2/images", body={"foo": 5})
    c.call("extra property null", "POST", "/v2/images", body={"foo": None})
    c.call("extra property value of 256 characters", "POST", "/v2/images", body={"foo": "v" * 256})
    c.call("extra property value of 65536 characters", "POST", "/v2/images", body={"foo": "v" * 65536})
    c.call("extra property name of 256 characters", "POST", "/v2/images", body={"k" * 256: "v"})
    c.call("schema property with a bad value (os_distro a number)", "POST", "/v2/images", body={"os_distro": 5})
    c.call("owner of 256 characters", "POST", "/v2/images", body={"owner": "o" * 256})

    # ---------------------------------------------------------------- patch
    c.h(2, "3. PATCH /v2/images/{id}")
    pid = new_image(c, name="patchme")
    V21 = "application/openstack-images-v2.1-json-patch"
    V20 = "application/openstack-images-v2.0-json-patch"

    def patch(title, ops, who="admin-a", ctype=V21, iid=None):
        return c.call(title, "PATCH", f"/v2/images/{iid or pid}", who=who, body=ops, ctype=ctype)

    patch("replace name, add an extra property (v2.1 media type)", [
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "add", "path": "/foo", "value": "bar"},
    ])
    patch("replace an extra property", [{"op": "replace", "path": "/foo", "value": "baz"}])
    patch("add an extra property that exists (acts as replace)", [{"op": "add", "path": "/foo", "value": "qux"}])
    patch("remove an extra property", [{"op": "remove", "path": "/foo"}])
    patch("remove a missing extra property", [{"op": "remove", "path": "/foo"}])
    patch("replace a missing extra property", [{"op": "replace", "path": "/nosuch", "value": "x"}])
    patch("add min_ram, min_disk, protected", [
        {"op": "add", "path": "/min_ram", "value": 256},
        {"op": "replace", "path": "/min_disk", "value": 2},
        {"op": "replace", "path": "/protected", "value": True},
    ])
    c.call("DELETE a protected image", "DELETE", f"/v2/images/{pid}")
    patch("unprotect", [{"op": "replace", "path": "/protected", "value": False}])
    patch("remove name (a base property)", [{"op": "remove", "path": "/name"}])
    patch("remove min_ram (a base property)", [{"op": "remove", "path": "/min_ram"}])
    patch("remove disk_format (a base property)", [{"op": "remove", "path": "/disk_format"}])
    patch("remove visibility", [{"op": "remove", "path": "/visibility"}])
    patch("replace disk_format on a queued image", [{"op": "replace", "path": "/disk_format", "value": "qcow2"}])
    patch("replace disk_format with a bad value", [{"op": "replace", "path": "/disk_format", "value": "floppy"}])
    patch("replace name with null", [{"op": "replace", "path": "/name", "value": None}])
    patch("replace min_ram with -1", [{"op": "replace", "path": "/min_ram", "value": -1}])
    patch("replace protected with a string", [{"op": "replace", "path": "/protected", "value": "yes"}])
    for attr, val in [
        ("id", "11111111-2222-4333-8444-000000000000"),
        ("status", "active"),
        ("size", 5),
        ("virtual_size", 5),
        ("checksum", "0" * 32),
        ("os_hash_value", "0" * 128),
        ("created_at", "2020-01-01T00:00:00Z"),
        ("updated_at", "2020-01-01T00:00:00Z"),
        ("owner", "proj-b"),
        ("self", "x"),
        ("file", "x"),
        ("schema", "x"),
        ("direct_url", "x"),
        ("location", "x"),
        ("os_glance_import_task", "x"),
        ("os_glance_failed_import", "x"),
    ]:
        patch(f"replace `{attr}`", [{"op": "replace", "path": f"/{attr}", "value": val}])
    patch("add `status`", [{"op": "add", "path": "/status", "value": "active"}])
    patch("remove `status`", [{"op": "remove", "path": "/status"}])
    patch("replace tags (whole list)", [{"op": "replace", "path": "/tags", "value": ["x", "y"]}])
    patch("add /tags/- (array element path)", [{"op": "add", "path": "/tags/-", "value": "z"}])
    patch("replace tags with duplicates", [{"op": "replace", "path": "/tags", "value": ["d", "d"]}])
    patch("replace visibility public as admin", [{"op": "replace", "path": "/visibility", "value": "public"}])
    patch("replace visibility private", [{"op": "replace", "path": "/visibility", "value": "private"}])
    mpid = new_image(c, who="member-a", name="member-owned")
    patch("as member-a on its project's image: visibility public", [
        {"op": "replace", "path": "/visibility", "value": "public"}], who="member-a", iid=mpid)
    patch("as member-a: replace owner with another project", [{"op": "replace", "path": "/owner", "value": "proj-b"}],
          who="member-a", iid=mpid)
    patch("as member-a: replace name", [{"op": "replace", "path": "/name", "value": "m2"}], who="member-a", iid=mpid)
    patch("as member-b (another project) on a private image", [
        {"op": "replace", "path": "/name", "value": "b"}], who="member-b", iid=mpid)
    patch("unknown image id", [{"op": "replace", "path": "/name", "value": "x"}],
          iid="00000000-0000-4000-8000-00000000dead")
    patch("v2.0 media type (`{\"replace\": \"/name\", \"value\": ...}`)", [{"replace": "/name", "value": "v20"}], ctype=V20)
    patch("v2.1 body under the v2.0 media type", [{"op": "replace", "path": "/name", "value": "x"}], ctype=V20)
    patch("application/json-patch+json", [{"op": "replace", "path": "/name", "value": "x"}],
          ctype="application/json-patch+json")
    patch("application/json", [{"op": "replace", "path": "/name", "value": "x"}], ctype="application/json")
    c.call("no Content-Type", "PATCH", f"/v2/images/{pid}", body=b'[{"op": "replace", "path": "/name", "value": "x"}]')
    patch("op move", [{"op": "move", "from": "/name", "path": "/foo"}])
    patch("op test", [{"op": "test", "path": "/name", "value": "v20"}])
    patch("op missing", [{"path": "/name", "value": "x"}])
    patch("value missing for replace", [{"op": "replace", "path": "/name"}])
    patch("path without a leading slash", [{"op": "replace", "path": "name", "value": "x"}])
    patch("nested path", [{"op": "add", "path": "/foo/bar", "value": "x"}])
    patch("body an object, not a list", {"op": "replace", "path": "/name", "value": "x"})
    patch("empty list", [])
    patch("malformed JSON", "[{", ctype=V21)
    patch("add locations (show_multiple_locations is False)", [
        {"op": "add", "path": "/locations/-", "value": {"url": "http://127.0.0.1/x", "metadata": {}}}])
    patch("replace locations with []", [{"op": "replace", "path": "/locations", "value": []}])
    patch("extra property name with a slash (JSON pointer ~1)", [{"op": "add", "path": "/a~1b", "value": "x"}])

    # ---------------------------------------------------------------- upload / download
    c.h(2, "4. PUT /v2/images/{id}/file and GET .../file")
    uid = new_image(c, name="upload")
    c.call("GET file of a queued image", "GET", f"/v2/images/{uid}/file")
    c.call("upload with Content-Type application/json", "PUT", f"/v2/images/{uid}/file", body=payload,
           ctype="application/json")
    c.call("upload (octet-stream)", "PUT", f"/v2/images/{uid}/file", body=payload, ctype="application/octet-stream")
    c.call("the image after the upload", "GET", f"/v2/images/{uid}")
    c.call("second upload to the active image", "PUT", f"/v2/images/{uid}/file", body=payload,
           ctype="application/octet-stream")
    r = c.call("download", "GET", f"/v2/images/{uid}/file")
    c.p(f"Downloaded bytes identical to the upload: {r.data == payload}.\n")
    c.call("download a range", "GET", f"/v2/images/{uid}/file", headers={"Range": "bytes=0-9"})
    c.call("download an unsatisfiable range", "GET", f"/v2/images/{uid}/file",
           headers={"Range": f"bytes={len(payload) + 10}-"})
    c.call("HEAD the file", "HEAD", f"/v2/images/{uid}/file")
    patch("replace disk_format on an active image", [{"op": "replace", "path": "/disk_format", "value": "qcow2"}],
          iid=uid)
    nfid = c.call("", "POST", "/v2/images", body={"name": "noformat"}, show=False).json()["id"]
    c.call("upload to an image without disk_format/container_format", "PUT", f"/v2/images/{nfid}/file",
           body=b"hello", ctype="application/octet-stream")
    c.call("that image afterwards", "GET", f"/v2/images/{nfid}")
    zid = new_image(c, name="zero")
    c.call("upload of 0 bytes", "PUT", f"/v2/images/{zid}/file", body=b"", ctype="application/octet-stream")
    c.call("that image afterwards", "GET", f"/v2/images/{zid}")
    mid = new_image(c, who="member-a", name="member-upload")
    c.call("upload as member-b (another project) to member-a's private image", "PUT", f"/v2/images/{mid}/file",
           who="member-b", body=b"x", ctype="application/octet-stream")
    c.call("upload to an unknown image", "PUT", "/v2/images/00000000-0000-4000-8000-00000000dead/file",
           body=b"x", ctype="application/octet-stream")
    chid = new_image(c, name="chunked")
    c.call("upload with Transfer-Encoding: chunked (no Content-Length)", "PUT", f"/v2/images/{chid}/file",
           body=iter([payload[:500000], payload[500000:]]), ctype="application/octet-stream",
           headers={"Transfer-Encoding": "chunked"})
    c.call("that image afterwards", "GET", f"/v2/images/{chid}")

    c.h(2, "4b. Format inspection on upload and import (qcow2 made by qemu-img)")
    fmt_dir = a.source_dir
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", f"{fmt_dir}/plain.qcow2", "64M"], check=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", "/etc/hostname",
                    f"{fmt_dir}/backing.qcow2", "64M"], check=True)
    plain = open(f"{fmt_dir}/plain.qcow2", "rb").read()
    backing = open(f"{fmt_dir}/backing.qcow2", "rb").read()
    c.p(f"`plain.qcow2`: `qemu-img create -f qcow2 plain.qcow2 64M` ({len(plain)} bytes); `backing.qcow2`: the same "
        f"with `-F raw -b /etc/hostname` ({len(backing)} bytes).\n")
    for label, data, dfmt in [("plain qcow2 as disk_format qcow2", plain, "qcow2"),
                              ("plain qcow2 as disk_format raw", plain, "raw"),
                              ("random bytes as disk_format qcow2", payload, "qcow2"),
                              ("qcow2 with a backing file as disk_format qcow2", backing, "qcow2")]:
        xid = new_image(c, name=label, disk_format=dfmt)
        c.call(f"PUT /file: {label}", "PUT", f"/v2/images/{xid}/file", body=data, ctype="application/octet-stream")
        c.call("that image afterwards", "GET", f"/v2/images/{xid}")
    for label, name, dfmt in [("plain qcow2 as disk_format qcow2", "plain.qcow2", "qcow2"),
                              ("qcow2 with a backing file as disk_format qcow2", "backing.qcow2", "qcow2"),
                              ("qcow2 with a backing file as disk_format raw", "backing.qcow2", "raw")]:
        xid = new_image(c, name=label, disk_format=dfmt)
        c.call(f"web-download: {label}", "POST", f"/v2/images/{xid}/import",
               body={"method": {"name": "web-download", "uri": f"{src_url}/{name}"}})
        wait_image(c, xid, lambda i: "os_glance_import_task" not in i and i["status"] != "importing")
        c.call("that image afterwards", "GET", f"/v2/images/{xid}")
        r = c.call("", "GET", f"/v2/images/{xid}/tasks", show=False)
        c.call("its task", "GET", f"/v2/tasks/{r.json()['tasks'][0]['id']}")

    # ---------------------------------------------------------------- tags
    c.h(2, "5. Tags")
    c.call("PUT a tag", "PUT", f"/v2/images/{uid}/tags/red")
    c.call("PUT the same tag again", "PUT", f"/v2/images/{uid}/tags/red")
    c.call("PUT a tag of 255 characters", "PUT", f"/v2/images/{uid}/tags/{'t' * 255}")
    c.call("PUT a tag of 256 characters", "PUT", f"/v2/images/{uid}/tags/{'t' * 256}")
    c.call("PUT a tag with a space (%20)", "PUT", f"/v2/images/{uid}/tags/a%20b")
    c.call("tags on the image", "GET", f"/v2/images/{uid}")
    c.call("DELETE a tag", "DELETE", f"/v2/images/{uid}/tags/red")
    c.call("DELETE a missing tag", "DELETE", f"/v2/images/{uid}/tags/red")
    c.call("PUT a tag on an unknown image", "PUT", "/v2/images/00000000-0000-4000-8000-00000000dead/tags/x")
    c.call("GET a tag (no such route)", "GET", f"/v2/images/{uid}/tags/red")

    # ---------------------------------------------------------------- deactivate / reactivate
    c.h(2, "6. Deactivate / reactivate")
    c.call("deactivate an active image", "POST", f"/v2/images/{uid}/actions/deactivate")
    c.call("the image", "GET", f"/v2/images/{uid}")
    c.call("download a deactivated image (admin)", "GET", f"/v2/images/{uid}/file")
    c.call("deactivate it again", "POST", f"/v2/images/{uid}/actions/deactivate")
    c.call("upload to a deactivated image", "PUT", f"/v2/images/{uid}/file", body=b"x",
           ctype="application/octet-stream")
    c.call("reactivate", "POST", f"/v2/images/{uid}/actions/reactivate")
    c.call("reactivate an active image", "POST", f"/v2/images/{uid}/actions/reactivate")
    qid = new_image(c, name="queued")
    c.call("deactivate a queued image", "POST", f"/v2/images/{qid}/actions/deactivate")
    c.call("reactivate a queued image", "POST", f"/v2/images/{qid}/actions/reactivate")
    maid = new_image(c, who="member-a", name="member-active")
    c.call("", "PUT", f"/v2/images/{maid}/file", who="member-a", body=b"abc", ctype="application/octet-stream",
           show=False)
    c.call("deactivate as member-a (owner's project)", "POST", f"/v2/images/{maid}/actions/deactivate", who="member-a")
    c.call("download a deactivated image as member-a", "GET", f"/v2/images/{maid}/file", who="member-a")
    c.call("reactivate as member-b (another project)", "POST", f"/v2/images/{maid}/actions/reactivate",
           who="member-b")
    c.call("reactivate as member-a", "POST", f"/v2/images/{maid}/actions/reactivate", who="member-a")
    c.call("unknown action", "POST", f"/v2/images/{uid}/actions/explode")
    c.call("GET on an action", "GET", f"/v2/images/{uid}/actions/deactivate")
    c.call("deactivate an unknown image", "POST", "/v2/images/00000000-0000-4000-8000-00000000dead/actions/deactivate")

    # ---------------------------------------------------------------- import
    c.h(2, "7. Interoperable import")
    c.call("GET /v2/info/import", "GET", "/v2/info/import", who="member-a")
    c.call("POST /v2/images answers with the import methods header", "POST", "/v2/images",
           body={"name": "hdr", "disk_format": "raw", "container_format": "bare"})

    c.h(3, "web-download")
    wid = new_image(c, name="web")
    c.call("web-download", "POST", f"/v2/images/{wid}/import",
           body={"method": {"name": "web-download", "uri": f"{src_url}/disk.raw"}})
    img = wait_image(c, wid, lambda i: i["status"] in ("active", "queued") and "os_glance_import_task" not in i)
    c.call("the image after the import", "GET", f"/v2/images/{wid}")
    r = c.call("GET /v2/images/{id}/tasks", "GET", f"/v2/images/{wid}/tasks")
    tid = r.json()["tasks"][0]["id"]
    c.call("GET /v2/tasks/{id} for the api_image_import task", "GET", f"/v2/tasks/{tid}")
    c.call("GET /v2/images/{id}/tasks as member-a", "GET", f"/v2/images/{wid}/tasks", who="member-a")
    c.call("GET /v2/tasks/{id} as member-a", "GET", f"/v2/tasks/{tid}", who="member-a")
    r = c.call("download the imported image", "GET", f"/v2/images/{wid}/file")
    c.p(f"Downloaded bytes identical to the source: {r.data == payload}.\n")
    c.call("import on an active image", "POST", f"/v2/images/{wid}/import",
           body={"method": {"name": "web-download", "uri": f"{src_url}/disk.raw"}})

    c.h(3, "web-download, observed while it runs (slow source)")
    sid = new_image(c, name="slow")
    c.call("web-download from a slow source (4 MiB, 64 KiB every 0.25 s: about 16 s)", "POST",
           f"/v2/images/{sid}/import",
           body={"method": {"name": "web-download", "uri": f"{src_url}/slow/4096"}}, headers={
               "X-Openstack-Request-Id": "req-11111111-2222-4333-8444-aaaaaaaaaaaa"})
    t_slow = time.time()
    time.sleep(1.5)
    c.call("the image while it imports", "GET", f"/v2/images/{sid}")
    r = c.call("its task while it runs", "GET", f"/v2/images/{sid}/tasks")
    stid = r.json()["tasks"][0]["id"]
    c.call("GET /v2/tasks/{id} while it runs", "GET", f"/v2/tasks/{stid}")
    c.call("a second import while one runs", "POST", f"/v2/images/{sid}/import",
           body={"method": {"name": "web-download", "uri": f"{src_url}/disk.raw"}})
    c.call("upload (PUT /file) while an import runs", "PUT", f"/v2/images/{sid}/file", body=b"x",
           ctype="application/octet-stream")
    c.call("PATCH a property while an import runs", "PATCH", f"/v2/images/{sid}", body=[
        {"op": "add", "path": "/during", "value": "x"}], ctype=V21)
    c.p("Timeline, polled every 0.25 s until the task ends (image status and import properties; task status and "
        "message; a row each time something changes; seconds since the POST):\n")
    c.p("| t (s) | image status | os_glance_import_task | os_glance_importing_to_stores | os_glance_failed_import "
        "| task status | task message |\n|---|---|---|---|---|---|---|")
    last = None
    deadline = time.time() + 180
    while time.time() < deadline:
        img = c.call("", "GET", f"/v2/images/{sid}", show=False).json()
        task = c.call("", "GET", f"/v2/tasks/{stid}", show=False).json()
        row = (img["status"], img.get("os_glance_import_task", "(absent)"),
               repr(img.get("os_glance_importing_to_stores", "(absent)")),
               repr(img.get("os_glance_failed_import", "(absent)")), task["status"], repr(task["message"]))
        if row != last:
            c.p(f"| {time.time() - t_slow:.1f} | " + " | ".join(row) + " |")
            last = row
        if task["status"] in ("success", "failure") and "os_glance_import_task" not in img:
            break
        time.sleep(0.25)
    c.p("")
    c.call("the image afterwards", "GET", f"/v2/images/{sid}")
    c.call("its task afterwards", "GET", f"/v2/tasks/{stid}")

    c.h(3, "web-download failures")
    fid = new_image(c, name="web-404")
    c.call("web-download of a missing file (404 at the source)", "POST", f"/v2/images/{fid}/import",
           body={"method": {"name": "web-download", "uri": f"{src_url}/nosuch.raw"}})
    wait_image(c, fid, lambda i: "os_glance_import_task" not in i and i["status"] != "importing")
    c.call("the image afterwards", "GET", f"/v2/images/{fid}")
    r = c.call("its tasks", "GET", f"/v2/images/{fid}/tasks")
    c.call("GET /v2/tasks/{id}", "GET", f"/v2/tasks/{r.json()['tasks'][0]['id']}")
    gid = new_image(c, name="web-filtered")
    c.call("web-download from a port outside allowed_ports", "POST", f"/v2/images/{gid}/import",
           body={"method": {"name": "web-download", "uri": "http://127.0.0.1:9/x.raw"}})
    c.call("web-download with a file:// uri", "POST", f"/v2/images/{gid}/import",
           body={"method": {"name": "web-download", "uri": "file:///etc/passwd"}})
    c.call("web-download with an ftp:// uri", "POST", f"/v2/images/{gid}/import",
           body={"method": {"name": "web-download", "uri": "ftp://127.0.0.1/x"}})
    c.call("web-download without uri", "POST", f"/v2/images/{gid}/import", body={"method": {"name": "web-download"}})
    c.call("unknown method", "POST", f"/v2/images/{gid}/import", body={"method": {"name": "teleport"}})
    c.call("method not enabled (copy-image)", "POST", f"/v2/images/{gid}/import", body={"method": {"name": "copy-image"}})
    c.call("method not enabled (glance-download)", "POST", f"/v2/images/{gid}/import",
           body={"method": {"name": "glance-download"}})
    c.call("no method", "POST", f"/v2/images/{gid}/import", body={})
    c.call("method a string", "POST", f"/v2/images/{gid}/import", body={"method": "web-download"})
    c.call("no body", "POST", f"/v2/images/{gid}/import", body=b"", ctype="application/json")
    c.call("unknown method on an active image", "POST", f"/v2/images/{wid}/import", body={"method": {"name": "teleport"}})
    gid_s = new_image(c, name="web-stores")
    c.call("with stores (single store site)", "POST", f"/v2/images/{gid_s}/import",
           body={"method": {"name": "web-download", "uri": f"{src_url}/disk.raw"}, "stores": ["file"]})
    gid_a = new_image(c, name="web-all-stores")
    c.call("with all_stores true (single store site)", "POST", f"/v2/images/{gid_a}/import",
           body={"method": {"name": "web-download", "uri": f"{src_url}/disk.raw"}, "all_stores": True})
    gid_m = new_image(c, name="web-must-succeed")
    c.call("with all_stores_must_succeed false", "POST", f"/v2/images/{gid_m}/import",
           body={"method": {"name": "web-download", "uri": f"{src_url}/disk.raw"}, "all_stores_must_succeed": False})
    for x in (gid_s, gid_a, gid_m):
        wait_image(c, x, lambda i: "os_glance_import_task" not in i and i["status"] != "importing")
    c.call("the image imported with stores: [file]", "GET", f"/v2/images/{gid_s}")
    r = c.call("its task", "GET", f"/v2/images/{gid_s}/tasks")
    c.call("GET /v2/tasks/{id}", "GET", f"/v2/tasks/{r.json()['tasks'][0]['id']}")
    c.call("the image imported with all_stores_must_succeed false", "GET", f"/v2/images/{gid_m}")
    r = c.call("its task", "GET", f"/v2/images/{gid_m}/tasks")
    nfid2 = c.call("", "POST", "/v2/images", body={"name": "nofmt"}, show=False).json()["id"]
    c.call("import on an image without disk_format/container_format", "POST", f"/v2/images/{nfid2}/import",
           body={"method": {"name": "web-download", "uri": f"{src_url}/disk.raw"}})
    c.call("import on an unknown image", "POST", "/v2/images/00000000-0000-4000-8000-00000000dead/import",
           body={"method": {"name": "web-download", "uri": f"{src_url}/disk.raw"}})
    bid = new_image(c, name="back-to-back")
    c.call("first of two back-to-back imports (slow source, 256 KiB)", "POST", f"/v2/images/{bid}/import",
           body={"method": {"name": "web-download", "uri": f"{src_url}/slow/256"}})
    c.call("the second, sent at once", "POST", f"/v2/images/{bid}/import",
           body={"method": {"name": "web-download", "uri": f"{src_url}/disk.raw"}})
    wait_image(c, bid, lambda i: "os_glance_import_task" not in i and i["status"] != "importing")
    iid_m = new_image(c, who="member-a", name="member-import")
    c.call("import as member-a (owner's project)", "POST", f"/v2/images/{iid_m}/import", who="member-a",
           body={"method": {"name": "web-download", "uri": f"{src_url}/disk.raw"}})
    wait_image(c, iid_m, lambda i: "os_glance_import_task" not in i and i["status"] != "importing", who="member-a")
    c.call("that image afterwards", "GET", f"/v2/images/{iid_m}", who="member-a")
    c.call("its tasks as member-a", "GET", f"/v2/images/{iid_m}/tasks", who="member-a")

    c.h(3, "glance-direct (stage, then import)")
    did = new_image(c, name="direct")
    c.call("glance-direct on a queued image that is not staged", "POST", f"/v2/images/{did}/import",
           body={"method": {"name": "glance-direct"}})
    c.call("stage with Content-Type application/json", "PUT", f"/v2/images/{did}/stage", body=payload,
           ctype="application/json")
    c.call("stage (octet-stream)", "PUT", f"/v2/images/{did}/stage", body=payload, ctype="application/octet-stream")
    c.call("the staged image", "GET", f"/v2/images/{did}")
    c.call("stage again", "PUT", f"/v2/images/{did}/stage", body=payload, ctype="application/octet-stream")
    c.call("PUT /file on a staged image", "PUT", f"/v2/images/{did}/file", body=payload,
           ctype="application/octet-stream")
    c.call("web-download on a staged (uploading) image", "POST", f"/v2/images/{did}/import",
           body={"method": {"name": "web-download", "uri": f"{src_url}/disk.raw"}})
    c.call("glance-direct", "POST", f"/v2/images/{did}/import", body={"method": {"name": "glance-direct"}})
    wait_image(c, did, lambda i: "os_glance_import_task" not in i and i["status"] not in ("importing", "uploading"))
    c.call("the image afterwards", "GET", f"/v2/images/{did}")
    r = c.call("its tasks", "GET", f"/v2/images/{did}/tasks")
    c.call("GET /v2/tasks/{id}", "GET", f"/v2/tasks/{r.json()['tasks'][0]['id']}")
    c.call("stage on an active image", "PUT", f"/v2/images/{did}/stage", body=b"x", ctype="application/octet-stream")
    r = c.call("download", "GET", f"/v2/images/{did}/file")
    c.p(f"Downloaded bytes identical to the staged data: {r.data == payload}.\n")
    uqid = new_image(c, name="upload-then-stage")
    c.call("", "PUT", f"/v2/images/{uqid}/file", body=b"abc", ctype="application/octet-stream", show=False)
    c.call("stage on an image that got its data by PUT /file", "PUT", f"/v2/images/{uqid}/stage", body=b"x",
           ctype="application/octet-stream")

    c.h(3, "api_image_import through the Tasks API, and listing")
    c.call("GET /v2/tasks?type=api_image_import", "GET", "/v2/tasks?type=api_image_import")
    r = c.call("GET /v2/tasks (the import tasks are listed)", "GET", "/v2/tasks?limit=3")

    # ---------------------------------------------------------------- delete
    c.h(2, "8. DELETE /v2/images/{id}")
    c.call("delete as member-a (own project)", "DELETE", f"/v2/images/{mpid}", who="member-a")
    c.call("delete again", "DELETE", f"/v2/images/{mpid}", who="member-a")
    c.call("GET the deleted image", "GET", f"/v2/images/{mpid}", who="member-a")
    c.call("delete an active image", "DELETE", f"/v2/images/{did}")
    c.call("GET /v2/images/{id}/tasks of the deleted image", "GET", f"/v2/images/{did}/tasks")

    # ---------------------------------------------------------------- defaults of the rest
    c.h(2, "9. Members, metadefs, locations, stores, cache, usage: what the default configuration answers")
    shid = new_image(c, who="member-a", name="shared", visibility="shared")
    prid = new_image(c, who="member-a", name="private", visibility="private")
    c.call("GET members of a private image", "GET", f"/v2/images/{prid}/members", who="member-a")
    c.call("POST a member to a private image", "POST", f"/v2/images/{prid}/members", who="member-a",
           body={"member": "proj-b"})
    c.call("GET members of a shared image", "GET", f"/v2/images/{shid}/members", who="member-a")
    c.call("POST a member to a shared image", "POST", f"/v2/images/{shid}/members", who="member-a",
           body={"member": "proj-b"})
    c.call("the member sees the image", "GET", f"/v2/images/{shid}", who="member-b")
    c.call("GET /v2/images/{id}/members/{member}", "GET", f"/v2/images/{shid}/members/proj-b", who="member-b")
    c.call("the member accepts", "PUT", f"/v2/images/{shid}/members/proj-b", who="member-b",
           body={"status": "accepted"})
    c.call("DELETE the member", "DELETE", f"/v2/images/{shid}/members/proj-b", who="member-a")
    c.call("GET /v2/schemas/member", "GET", "/v2/schemas/member", who="member-a")
    c.call("GET /v2/metadefs/namespaces", "GET", "/v2/metadefs/namespaces", who="member-a")
    c.call("GET /v2/metadefs/resource_types", "GET", "/v2/metadefs/resource_types", who="member-a")
    c.call("POST /v2/metadefs/namespaces as member-a", "POST", "/v2/metadefs/namespaces", who="member-a",
           body={"namespace": "ns1"})
    c.call("GET /v2/info/stores", "GET", "/v2/info/stores", who="member-a")
    c.call("GET /v2/info/stores/detail", "GET", "/v2/info/stores/detail")
    c.call("GET /v2/info/usage", "GET", "/v2/info/usage", who="member-a")
    c.call("DELETE /v2/stores/file/{id} (delete from a store)", "DELETE", f"/v2/stores/file/{wid}")
    c.call("GET /v2/cache", "GET", "/v2/cache")
    c.call("PUT /v2/cache/{id}", "PUT", f"/v2/cache/{wid}")
    c.call("GET /v2/images/{id}/locations (no such route in 25.1)", "GET", f"/v2/images/{wid}/locations")
    c.call("POST /v2/images/{id}/locations (no such route in 25.1)", "POST", f"/v2/images/{wid}/locations",
           body={"url": "http://127.0.0.1/x"})
    c.call("an active image has no locations or direct_url (show_* options False)", "GET", f"/v2/images/{wid}")

    policy_section(c)

    c.h(2, "11. Permission matrix with the default configuration (`enforce_new_defaults = False`)")
    c.p("Status and message for each identity. Each cell acts on a fresh image of project proj-a made by admin-a "
        "(private unless the row says otherwise; `active` ones got 3 bytes by PUT /file). With oslo.policy's "
        "default `enforce_new_defaults = False` every rule that has a deprecated default (`rule:default`, which "
        "is `\"\"`: anyone) is OR-ed with it, so only project visibility and the rules without a deprecated "
        "default (`publicize_image`, `tasks_api_access`, metadef admin rules) refuse anything.\n")
    matrix(c, src_url)


    took = time.time() - t0
    c.p(f"\n_The capture up to here took {took:.0f} s._\n")
    src.shutdown()
    text = "".join(c.out)
    head = ""
    if os.path.exists(a.out):
        with open(a.out) as f:
            old = f.read()
        if MARKER in old:
            head = old[: old.index(MARKER)]
    with open(a.out, "w") as f:
        f.write(head + MARKER + "\n" + text)


if __name__ == "__main__":
    main()
