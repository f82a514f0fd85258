#!/usr/bin/env python3
"""Build crates/wirewatch-sensor/data/oui.tsv.gz (MAC prefix -> organisation)
from the IEEE MA-L registry (Debian package ieee-data: /usr/share/ieee-data/oui.csv).
The registry is public data published by the IEEE Registration Authority."""
import csv
import gzip
import sys

src = sys.argv[1] if len(sys.argv) > 1 else '/usr/share/ieee-data/oui.csv'
dst = sys.argv[2] if len(sys.argv) > 2 else 'crates/wirewatch-sensor/data/oui.tsv.gz'
rows = {}
with open(src, newline='', encoding='utf-8') as f:
    for r in csv.DictReader(f):
        prefix = r['Assignment'].strip().upper()
        name = ' '.join(r['Organization Name'].split())
        if len(prefix) == 6 and name:
            rows[prefix] = name
with gzip.open(dst, 'wt', encoding='utf-8', compresslevel=9) as out:
    for k in sorted(rows):
        out.write(f'{k}\t{rows[k]}\n')
print(f'{len(rows)} prefixes -> {dst}')
