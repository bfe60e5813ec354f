"""openstacksdk (Debian python3-openstacksdk) drives Loupe's Tasks API through the Keystone catalog.

Reads OS_* variables for the cloud and LOUPE_IMPORT_FROM for the source; prints one JSON document with what the
SDK returned, for the Java test to check.
"""
import json
import os

import openstack

conn = openstack.connect(
    auth_url=os.environ["OS_AUTH_URL"],
    username=os.environ["OS_USERNAME"],
    password=os.environ["OS_PASSWORD"],
    project_name=os.environ["OS_PROJECT_NAME"],
    user_domain_name="Default",
    project_domain_name="Default",
    region_name="RegionOne",
)

task = conn.image.create_task(type="import", input={
    "import_from": os.environ["LOUPE_IMPORT_FROM"],
    "import_from_format": "qcow2",
    "image_properties": {"name": "from-openstacksdk", "disk_format": "qcow2", "container_format": "bare"},
})
created_status = task.status
task = conn.image.wait_for_task(task, status="success", failures=["failure"], interval=0.2, wait=120)
shown = conn.image.get_task(task.id)

# More tasks than a page holds, so listing follows the "next" links across several pages.
for _ in range(5):
    conn.image.create_task(type="import", input={
        "import_from": os.environ["LOUPE_IMPORT_FROM"], "import_from_format": "qcow2",
        "image_properties": {"disk_format": "qcow2", "container_format": "bare"}})
listed = [t.id for t in conn.image.tasks(limit=2)]

print(json.dumps({
    "created_status": created_status,
    "id": task.id,
    "status": shown.status,
    "message": shown.message,
    "result": shown.result,
    "owner_id": shown.owner_id,
    "listed": listed,
}))
