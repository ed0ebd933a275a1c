#!/usr/bin/env python3
"""Where a wasm module's code goes, by crate: `scripts/wasm-size.py MODULE.wasm [CRATES [FUNCTIONS]]`.

Reads the module's function bodies and its `name` section, so give it a module that still has
names: orgdesk-wasm-build's output before wasm-opt, e.g.

    source scripts/env.sh
    orgdesk-wasm-build "$CARGO_TARGET_DIR/front/wasm32-unknown-unknown/wasm-release/orgdesk_frontend.wasm" /tmp/m m
    python3 scripts/wasm-size.py /tmp/m/m.wasm 30 20

Prints the code size per crate (from each function's mangled name), largest first, then the
largest functions. Sizes are before wasm-opt and brotli: compare them with each other, not with
the bytes on the wire (docs/performance.md has both).
"""

import collections
import re
import sys


def leb128(data, i):
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def read(path):
    data = open(path, "rb").read()
    if data[:4] != b"\0asm":
        sys.exit(f"{path}: not a wasm module")
    i, imported, bodies, names, data_bytes = 8, 0, [], {}, 0
    while i < len(data):
        section = data[i]
        size, i = leb128(data, i + 1)
        end = i + size
        if section == 2:  # imports: function indices start after the imported functions
            j = i
            count, j = leb128(data, j)
            for _ in range(count):
                for _ in range(2):  # module and field names
                    length, j = leb128(data, j)
                    j += length
                kind = data[j]
                j += 1
                if kind == 0:
                    _, j = leb128(data, j)
                    imported += 1
                elif kind == 1:  # table: type, limits
                    flags, j = leb128(data, j + 1)
                    _, j = leb128(data, j)
                    if flags & 1:
                        _, j = leb128(data, j)
                elif kind == 2:  # memory: limits
                    flags, j = leb128(data, j)
                    _, j = leb128(data, j)
                    if flags & 1:
                        _, j = leb128(data, j)
                elif kind == 3:  # global: type, mutability
                    j += 2
        elif section == 10:  # code
            j = i
            count, j = leb128(data, j)
            for _ in range(count):
                length, body = leb128(data, j)
                bodies.append(length + (body - j))
                j = body + length
        elif section == 11:
            data_bytes += size
        elif section == 0:
            length, j = leb128(data, i)
            if data[j : j + length] == b"name":
                j += length
                while j < end:
                    sub = data[j]
                    sub_size, j = leb128(data, j + 1)
                    sub_end = j + sub_size
                    if sub == 1:  # function names
                        count, k = leb128(data, j)
                        for _ in range(count):
                            index, k = leb128(data, k)
                            length, k = leb128(data, k)
                            names[index] = data[k : k + length].decode("utf8", "replace")
                            k += length
                    j = sub_end
        i = end
    return [(size, names.get(imported + n, "?")) for n, size in enumerate(bodies)], data_bytes


def crate_of(name):
    v0 = re.search(r"Cs[0-9a-zA-Z]*_(\d+)([a-zA-Z_][a-zA-Z0-9_]*)", name)
    if v0:
        return v0.group(2)[: int(v0.group(1))]
    legacy = re.match(r"_ZN(\d+)(\w+)", name)
    if legacy:
        return legacy.group(2)[: int(legacy.group(1))]
    return name.split("::")[0][:40] if "::" in name else "?"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    functions, data_bytes = read(sys.argv[1])
    crates = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    largest = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    by_crate, count = collections.Counter(), collections.Counter()
    for size, name in functions:
        by_crate[crate_of(name)] += size
        count[crate_of(name)] += 1
    code = sum(size for size, _ in functions)
    print(f"code {code} bytes in {len(functions)} functions, data {data_bytes} bytes")
    for crate, size in by_crate.most_common(crates):
        print(f"{size:9d} {100 * size / code:5.1f}% {count[crate]:5d}  {crate}")
    for size, name in sorted(functions, reverse=True)[:largest]:
        print(f"{size:9d}  {name[:160]}")


if __name__ == "__main__":
    main()
