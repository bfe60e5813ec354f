#!/usr/bin/python3
"""Writes the image schema documents Glance 25.1 serves, as GET /v2/schemas/image and /v2/schemas/images answer.

Run with the Debian package glance-api 2:25.1.0 installed:  /usr/bin/python3 make-image-schemas.py
glance-api parses its arguments with project='glance', so oslo.config finds the packaged
/etc/glance/schema-image.json (the custom properties kernel_id ... cinder_encryption_key_deletion_policy) and the
router merges them into the image schema; the disk and container format enums come from the default
[image_format] options. The output was checked byte for byte against a running glance-api 25.1 on loopback
(curl http://127.0.0.1:<port>/v2/schemas/image and /images).
"""
import json

from glance.common import config

config.parse_args(args=[])

from glance.api.v2 import images, schemas  # noqa: E402 (needs the parsed configuration)

controller = schemas.Controller(images.load_custom_properties())
for name, document in (('image', controller.image(None)), ('images', controller.images(None))):
    with open(name + '.glance-25.1.json', 'w') as out:
        # glance's JSONResponseSerializer: jsonutils.dumps, ASCII only, default separators
        out.write(json.dumps(document))
