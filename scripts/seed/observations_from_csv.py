#!/usr/bin/env python3
"""The observations script of the seed document `004_...` (ExtraHop: add
observations through the REST API), with the lines the extraction lost
restored: it reads an OpenVPN-style CSV log and associates each VPN client's
internal address with its public address through
POST /api/v1/observations/associatedipaddrs.

Configuration comes from the environment: HOST, API_KEY, CSV_FILE, SOURCE,
IPADDR, ASSOCIATED_IPADDR, TIMESTAMP (column names), VERIFY_TLS=0 for a
self-signed certificate.
"""
import csv
import json
import os
import sys
import time

import requests

HOST = os.environ.get('HOST', '')
API_KEY = os.environ.get('API_KEY', '123456789abcdefghijklmnop')
CSV_FILE = os.environ.get('CSV_FILE', 'log.csv')
SOURCE = os.environ.get('SOURCE', 'OpenVPN')
IPADDR = os.environ.get('IPADDR', 'Virtual Address')
ASSOCIATED_IPADDR = os.environ.get('ASSOCIATED_IPADDR', 'Real Address')
TIMESTAMP = os.environ.get('TIMESTAMP', 'Start Time')
VERIFY = os.environ.get('VERIFY_TLS', '1') != '0'


# Function that extracts observations from CSV file
def readCSV(associated_ipaddr, ipaddr, timestamp):
    observations = []
    with open(CSV_FILE, 'rt', encoding='ascii') as f:
        reader = csv.reader(f)
        header = next(reader, None)
        for row in reader:
            observations.append({
                'associated_ipaddr': row[header.index(associated_ipaddr)],
                'ipaddr': row[header.index(ipaddr)],
                'timestamp': translateTime(row[header.index(timestamp)])
            })
    return observations


# Function that translates formatted timestamp into epoch time
def translateTime(t):
    pattern = '%m/%d/%y %H:%M:%S'
    return int(time.mktime(time.strptime(t, pattern)))


# Function that sends observations to the ExtraHop system
def makeObservations(observations):
    url = HOST + '/api/v1/observations/associatedipaddrs'
    headers = {
        'Content-Type': 'application/json',
        'Accept': 'application/json',
        'Authorization': 'ExtraHop apikey=%s' % API_KEY
    }
    data = {
        'observations': observations,
        'source': SOURCE
    }
    r = requests.post(url, headers=headers, data=json.dumps(data), verify=VERIFY)
    if r.status_code == 202:
        print('Observations uploaded')
        return True
    print('Observation upload failed')
    print(r.status_code, r.text)
    return False


if not VERIFY:
    requests.packages.urllib3.disable_warnings()

observations = readCSV(ASSOCIATED_IPADDR, IPADDR, TIMESTAMP)
sys.exit(0 if makeObservations(observations) else 1)
