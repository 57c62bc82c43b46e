#!/usr/bin/env python3
"""CODING_STYLE's checkable rules over the production code (libxtrace, the programs, kvmrt,
common): lines within 100 columns (a tab is 8), no string literal split across lines (a
message must stay greppable). Prints FILE:LINE: what; exits 1 if anything is found.
Usage: scripts/style-check.py [FILE...]   (default: every .c/.h of the production code)"""
import re
import subprocess
import sys

DIRS = ['libxtrace', 'common', 'kvmrt', 'kvmrt-gs', 'xtrace-run', 'xtrace-ctl',
        'xtrace-view', 'xtrace-multi-merge', 'xtrace-probe']


def files():
    out = subprocess.run(['git', 'ls-files', '--'] + [d + '/*.[ch]' for d in DIRS],
                         capture_output=True, text=True, check=True).stdout
    return out.split()


def long_string_line(line):
    """a line past 100 columns only because of a message: without its longest string literal it
    would fit (a message is never split to fit)"""
    lits = [m.group(0) for m in re.finditer(r'"(?:[^"\\]|\\.)*"', line)]
    if not lits:
        return False
    return len(line.expandtabs(8)) - len(max(lits, key=len)) + 2 <= 100


def check(path):
    bad = []
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    in_comment = False
    for i, line in enumerate(lines, 1):
        if len(line.expandtabs(8)) > 100 and not long_string_line(line):
            bad.append(f'{path}:{i}: {len(line.expandtabs(8))} columns')
        # a split string: a line ending in a string literal (outside comments), the next
        # starting with one
        stripped = line.strip()
        if in_comment:
            if '*/' in stripped:
                in_comment = False
            continue
        if stripped.startswith('/*') and '*/' not in stripped:
            in_comment = True
            continue
        if stripped.startswith('#') or stripped.startswith('*'):
            continue
        nxt = lines[i].strip() if i < len(lines) else ''
        if re.search(r'"\s*$', stripped) and nxt.startswith('"') and \
                not re.search(r'^\s*"[^"]*"\s*[,;]?\s*$', line) and \
                not stripped.endswith('",'):
            bad.append(f'{path}:{i}: a string literal split across lines')
    return bad


def main():
    paths = sys.argv[1:] or files()
    bad = [b for p in paths for b in check(p)]
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
