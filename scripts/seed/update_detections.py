#!/usr/bin/env python3
"""The ticket-tracking script of the seed document `000_...` (ExtraHop: link
detections to a third-party ticketing system), ported to Python 3.

It takes ticket information from a list and writes it onto the matching
detections with PATCH /api/v1/detections/{id}. Point it at a server with the
HOST and API_KEY environment variables (VERIFY_TLS=0 for a self-signed
certificate). DETECTIONS_JSON may replace the built-in list.
"""
import json
import os
import sys

import requests

API_KEY = os.environ.get('API_KEY', 'f6876657888a7c1f24ac77827')
HOST = os.environ.get('HOST', 'https://example.extrahop.com/')
if not HOST.endswith('/'):
    HOST += '/'
VERIFY = os.environ.get('VERIFY_TLS', '1') != '0'

failures = 0


# Method that updates detections on an ExtraHop appliance
def updateDetection(detection):
    global failures
    url = HOST + 'api/v1/detections/' + detection['detection_id']
    del detection['detection_id']
    data = json.dumps(detection)
    headers = {'Content-Type': 'application/json',
               'Accept': 'application/json',
               'Authorization': 'ExtraHop apikey=%s' % API_KEY}
    r = requests.patch(url, data=data, headers=headers, verify=VERIFY)
    print(r.status_code)
    print(r.text)
    if r.status_code >= 300:
        failures += 1


# Array of detection information
detections = [
    {
        "detection_id": "1",
        "ticket_id": "TK-16982",
        "status": "new",
        "assignee": "sally",
        "resolution": None,
    },
    {
        "detection_id": "2",
        "ticket_id": "TK-2078",
        "status": None,
        "assignee": "jim",
        "resolution": None,
    },
    {
        "detection_id": "3",
        "ticket_id": "TK-3452",
        "status": None,
        "assignee": "alex",
        "resolution": None,
    }
]

if os.environ.get('DETECTIONS_JSON'):
    detections = json.loads(os.environ['DETECTIONS_JSON'])

if not VERIFY:
    requests.packages.urllib3.disable_warnings()

for detection in detections:
    updateDetection(detection)

sys.exit(1 if failures else 0)
