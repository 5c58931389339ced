#!/usr/bin/env python3
"""Writes a C++ file defining `extern const char NAME[]` with the bytes of a text file.
Used to build zones/named.root into ternd, so the IANA hints need no file at run time."""
import sys

src, out, namespace, name = sys.argv[1:5]
data = open(src, 'rb').read()
with open(out, 'w') as f:
    f.write(f'// Generated from {src.split("/")[-1]} by embed_text.py: do not edit.\n')
    f.write(f'namespace {namespace} {{\nextern const char {name}[] = {{\n')
    for i in range(0, len(data), 16):
        f.write('  ' + ', '.join(str(b) for b in data[i:i + 16]) + ',\n')
    f.write(f'  0}};\n}}  // namespace {namespace}\n')
