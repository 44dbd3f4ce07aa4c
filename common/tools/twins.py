"""A stage's Python twin next to its C++, function by function: the pieces of
stageN/tail_merge.py and of tail_merge.cpp (with the classes of
tail_merge.hpp and the main of main.cpp), matched by name, so that a row
holds the same function in both languages. diff.py shows the rows in the
terminal (./workshop diff --python N) and on its page (--html).
"""
import ast
import re
from pathlib import Path

import toolkit

# A C++ definition at the start of a line: its (qualified) name before "(".
CPP_FUNCTION = re.compile(r"^(?![\s/}#]|namespace\b|using\b|struct\b)[^;(]*?([\w:~]+)\(")


def cpp_key(name):
    """The Python name of a C++ function: WriteThread::start is WriteThread.start,
    a constructor is __init__, a destructor __del__."""
    parts = name.split("::")
    if len(parts) == 2 and parts[1] == parts[0]:
        parts[1] = "__init__"
    elif len(parts) == 2 and parts[1] == "~" + parts[0]:
        parts[1] = "__del__"
    return ".".join(parts)


def cpp_pieces(stage):
    """{key: lines} of the stage's C++: each class of tail_merge.hpp, each
    function of tail_merge.cpp with the comment above it, and main()."""
    pieces = {}
    header = toolkit.read_text(Path(stage, "tail_merge.hpp")).splitlines()
    for i, line in enumerate(header):
        found = re.match(r"^class (\w+)", line)
        if found and not line.endswith(";"):
            end = next(j for j in range(i, len(header)) if header[j] == "};")
            pieces[found.group(1)] = header[i:end + 1]
    for path in (Path(stage, "tail_merge.cpp"), Path(stage, "main.cpp")):
        lines = toolkit.read_text(path).splitlines()
        comment, i = None, 0
        while i < len(lines):
            line = lines[i]
            found = CPP_FUNCTION.match(line)
            if line.startswith("//"):
                comment = i if comment is None else comment
            elif found and not line.rstrip().endswith(";"):
                end = next(j for j in range(i, len(lines)) if lines[j] == "}" or lines[j].endswith("{}"))
                key = "main" if found.group(1) == "main" else cpp_key(found.group(1))
                pieces[key] = lines[comment if comment is not None else i:end + 1]
                comment, i = None, end
            else:
                comment = None
            i += 1
    return pieces


def python_pieces(stage):
    """{key: lines} of the stage's tail_merge.py, found by Python's own parser:
    each top-level function, each class (its head, up to its first method),
    each method as Class.method, each with the comment above it, and the
    __main__ block as main."""
    text = toolkit.read_text(Path(stage, "tail_merge.py"))
    lines = text.splitlines()

    def piece(node, end=None):
        first = node.lineno - 1 - len(getattr(node, "decorator_list", []))
        while first > 0 and lines[first - 1].strip().startswith("#"):
            first -= 1  # the comment above belongs to it
        return lines[first:(end or node.end_lineno)]

    pieces = {}
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            pieces[node.name] = piece(node)
        elif isinstance(node, ast.ClassDef):
            methods = [item for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))]
            pieces[node.name] = piece(node, methods[0].lineno - 1 if methods else None)
            for method in methods:
                pieces[f"{node.name}.{method.name}"] = piece(method)
        elif isinstance(node, ast.If) and "__main__" in ast.unparse(node.test):
            pieces["main"] = piece(node)
    return pieces


def rows(stage):
    """[(name, python lines, C++ lines)] in the C++ file's order, then what
    only Python has; a side with no such function is empty."""
    python, cpp = python_pieces(stage), cpp_pieces(stage)
    names = list(cpp) + [name for name in python if name not in cpp]
    return [(name, _trim(python.get(name, [])), _trim(cpp.get(name, []))) for name in names]


def _trim(lines):
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines
