"""Go templates: the little language behind ``docker ... --format``.

A Go template is plain text with *actions* between ``{{`` and ``}}``.  An action looks data up
(``{{.State.Status}}``), calls functions (``{{json .Config}}``, ``{{join .Args ","}}``) or steers
the output (``{{if}}``, ``{{range}}``, ``{{with}}``)::

    >>> render("{{.Name}} is {{if .Up}}up{{else}}down{{end}}", {"Name": "web", "Up": True})
    'web is up'

``.`` ("dot") is the current item: the whole input at first, each element inside ``range``, the
tested value inside ``with``.  ``.A.B`` walks dict keys or object attributes from dot, ``$`` is
always the whole input, ``$x := ...`` names a value, and ``a | f b`` passes ``a`` as the *last*
argument of ``f`` (``{{.Name | printf "%q"}}`` is ``{{printf "%q" .Name}}``).

This module re-implements the part of Go's ``text/template`` that Docker uses, plus Docker's extra
functions, in the three classic stages of an interpreter:

1. :func:`_lex` cuts the source into tokens (text, ``{{``, ``.Field``, ``"string"``, ``|`` ...);
2. :class:`_Parser` builds a tree of nodes from them (``_Control`` for if/range/with, ``_Pipe``);
3. :class:`_Executor` walks the tree with the data and writes the output.

:func:`render_table` adds Docker's ``table`` directive (``--format "table {{.ID}}\\t{{.Image}}"``):
a header row, one row per item, and columns aligned like Go's ``text/tabwriter``.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import math
import re
import unicodedata
import urllib.parse
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from itertools import chain
from typing import Any

__all__ = ["TemplateError", "align_columns", "render", "render_table", "table_header"]


class TemplateError(ValueError):
    """A template that can't be parsed or executed; the message is one line with its position."""


def _error(src: str, pos: int, msg: str) -> TemplateError:
    line, col = src.count("\n", 0, pos) + 1, pos - src.rfind("\n", 0, pos)  # both from 1
    return TemplateError(f"template: {line}:{col}: {msg}".replace("\n", "\\n"))


class _NoValue:
    """What a missing map key (or nil) evaluates to: false, and printed as ``<no value>``."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "<no value>"


_MISSING = _NoValue()
_NOFINAL = object()  # "nothing piped in": the first command of a pipeline gets no extra argument

# ---------------------------------------------------------------------------------------------
# 1. Lexer: source text -> tokens

_WS = " \t\r\n"  # what the trim markers {{- and -}} remove
_Tok = namedtuple("_Tok", "kind text value pos glued")  # glued: no space before (.A.B vs .A .B)
_ACTION_TOKEN = re.compile(
    r"""(?P<close>(?:[ \t\r\n]+-)?\}\})
      | (?P<space>[ \t\r\n]+)
      | (?P<decl>:=) | (?P<assign>=) | (?P<pipe>\|) | (?P<lparen>\() | (?P<rparen>\)) | (?P<comma>,)
      | (?P<string>"(?:[^"\\\n]|\\.)*") | (?P<raw>`[^`]*`) | (?P<char>'(?:[^'\\\n]|\\.)*')
      | (?P<number>[+-]?(?:0[xXoObB]\w+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?))
      | (?P<field>\.[^\W\d]\w*) | (?P<dot>\.) | (?P<var>\$\w*) | (?P<ident>[^\W\d]\w*)""",
    re.X,
)
_UNTERMINATED = {'"': "unterminated quoted string", "`": "unterminated raw quoted string",
                 "'": "unterminated character constant"}
_COMMENT_END = re.compile(r"\*/(?:[ \t\r\n]-)?\}\}")
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)", re.S)
_SIMPLE_ESCAPES = dict(zip("abfnrtv\\", "\a\b\f\n\r\t\v\\", strict=True))


def _unquote(src: str, pos: int, body: str, quote: str) -> str:
    """Decode the backslash escapes of a Go ``"string"`` or ``'c'`` literal."""

    def one(m: re.Match[str]) -> str:
        e = m[1]
        if len(e) > 1:  # \xHH, \uHHHH, \UHHHHHHHH or \OOO (octal)
            return chr(int(e[1:], 16) if e[0] in "xuU" else int(e, 8))
        if e in _SIMPLE_ESCAPES or e == quote:
            return _SIMPLE_ESCAPES.get(e, e)
        raise _error(src, pos, f"invalid escape sequence \\{e}")

    return _ESCAPE.sub(one, body)


def _number(src: str, pos: int, text: str) -> int | float:
    try:
        if re.fullmatch(r"[+-]?0[0-7_]+", text):  # Go's old-style octal: 0755
            return int(text, 8)
        if re.search(r"[.eE]", text) and not re.match(r"[+-]?0[xX]", text):
            return float(text)
        return int(text, 0)
    except ValueError:
        raise _error(src, pos, f"bad number syntax: {text}") from None


def _lex(src: str) -> list[_Tok]:
    """Cut ``src`` into text tokens and, for each action, ``open``, its tokens, and ``close``."""
    toks: list[_Tok] = []
    i, trim_next = 0, False
    while True:
        start = src.find("{{", i)
        text = src[i:] if start < 0 else src[i:start]
        text = text.lstrip(_WS) if trim_next else text  # the action before ended with " -}}"
        trim = start >= 0 and re.match(r"\{\{-[ \t\r\n]", src[start : start + 4]) is not None
        text = text.rstrip(_WS) if trim else text  # this action starts with "{{- "
        if text:
            toks.append(_Tok("text", text, text, i, False))
        if start < 0:
            break
        i = start + (4 if trim else 2)
        if src.startswith("/*", i):  # a comment: {{/* ... */}}
            end = src.find("*/", i + 2)
            if end < 0:
                raise _error(src, start, "unclosed comment")
            m = _COMMENT_END.match(src, end)
            if not m:
                raise _error(src, end, "comment ends before closing delimiter")
            i, trim_next = m.end(), m[0] != "*/}}"
            continue
        toks.append(_Tok("open", "{{", None, start, False))
        glued = False
        while True:
            if i >= len(src):
                raise _error(src, start, "unclosed action")
            if not (m := _ACTION_TOKEN.match(src, i)):
                bad = _UNTERMINATED.get(src[i]) or f"bad character U+{ord(src[i]):04X} {src[i]!r}"
                raise _error(src, i, bad)
            kind, text, value, i = m.lastgroup or "", m[0], m[0], m.end()
            if kind == "close":
                toks.append(_Tok(kind, text, None, m.start(), glued))
                trim_next = text != "}}"
                break
            if kind == "space":
                glued = False
                continue
            if kind == "string":
                value = _unquote(src, m.start(), text[1:-1], '"')
            elif kind == "raw":
                kind, value = "string", text[1:-1]
            elif kind == "char":
                value = _unquote(src, m.start(), text[1:-1], "'")
                if len(value) != 1:
                    raise _error(src, m.start(), f"malformed character constant: {text}")
                kind, value = "number", ord(value)
            elif kind == "number":
                if re.match(r"[\w.]", src[i : i + 1]):
                    raise _error(src, m.start(), f"bad number syntax: {text}{src[i]}")
                value = _number(src, m.start(), text)
            elif kind == "field":
                value = text[1:]
            toks.append(_Tok(kind, text, value, m.start(), glued))
            glued = True
    toks.append(_Tok("eof", "", None, len(src), False))
    return toks


# ---------------------------------------------------------------------------------------------
# 2. Parser: tokens -> tree.  Text is kept as plain ``str``; the other nodes are:

_Field = namedtuple("_Field", "pos names")  # .A.B  (``.`` itself has no names)
_Var = namedtuple("_Var", "pos name names")  # $x.A.B
_Chain = namedtuple("_Chain", "pos node names")  # (pipeline).A.B
_Func = namedtuple("_Func", "pos name")  # a function name: printf
_Const = namedtuple("_Const", "pos value src")  # "string", 42, 1.5, true, nil
_Cmd = namedtuple("_Cmd", "pos args")  # one pipeline stage: operand, then its arguments
_Pipe = namedtuple("_Pipe", "pos decl assign cmds")  # [$x :=] cmd | cmd ...
_Action = namedtuple("_Action", "pos pipe")  # {{pipe}}: printed, unless it declares variables
_Control = namedtuple("_Control", "pos kind pipe body else_body")  # if / range / with
_Jump = namedtuple("_Jump", "pos kind")  # {{break}} / {{continue}}

_LITERALS = {"true": True, "false": False, "nil": None}
_KEYWORDS = {"if", "else", "end", "range", "with", "break", "continue", "define", "template",
             "block"}


def _desc(tok: _Tok) -> str:
    return "end of template" if tok.kind == "eof" else f'"{tok.text.strip()}"'


def _show(node: Any) -> str:
    """Source-like text of an operand, for error messages."""
    if isinstance(node, _Field | _Var):
        return ".".join((node.name if isinstance(node, _Var) else "", *node.names)) or "."
    return node.src if isinstance(node, _Const) else "(pipeline)"


class _Parser:
    """Recursive descent: one method per grammar rule, in the spirit of Go's text/template/parse."""

    def __init__(self, src: str) -> None:
        self.src, self.toks, self.i = src, _lex(src), 0
        self.vars = ["$"]  # variables in scope: like Go, reject undefined ones when parsing
        self.loops = 0  # how deep inside {{range}} we are, for {{break}} and {{continue}}

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def next(self) -> _Tok:
        self.i += 1
        return self.toks[self.i - 1]

    def expect(self, kind: str, context: str) -> None:
        if (tok := self.next()).kind != kind:
            raise _error(self.src, tok.pos, f"unexpected {_desc(tok)} in {context}")

    def parse_list(self) -> tuple[tuple, _Tok]:
        """Text and actions up to ``{{end}}``, ``{{else}}`` or the end: (nodes, stopping token)."""
        nodes: list = []
        while (tok := self.next()).kind != "eof":
            if tok.kind == "text":
                nodes.append(tok.text)
                continue
            kw = self.peek()
            word = kw.text if kw.kind == "ident" else ""
            if word in ("end", "else"):
                self.next()
                if word == "end":
                    self.expect("close", "{{end}}")
                return tuple(nodes), kw
            if word in ("if", "range", "with"):
                self.next()
                nodes.append(self.control(kw))
            elif word in ("break", "continue"):
                self.next()
                if not self.loops:
                    raise _error(self.src, kw.pos, f"{{{{{word}}}}} outside {{{{range}}}}")
                self.expect("close", f"{{{{{word}}}}}")
                nodes.append(_Jump(kw.pos, word))
            elif word in ("define", "template", "block"):
                raise _error(self.src, kw.pos, f"{{{{{word}}}}} is not supported")
            else:
                nodes.append(_Action(tok.pos, self.pipeline("command")))
        return tuple(nodes), tok

    def control(self, kw: _Tok) -> _Control:
        """``{{if|range|with pipeline}} body [{{else}} body] {{end}}``; ``{{else if}}`` nests."""
        mark = len(self.vars)
        pipe = self.pipeline(kw.text)
        self.loops += kw.text == "range"
        body, stop = self.parse_list()
        self.loops -= kw.text == "range"
        else_body: tuple = ()
        if stop.text == "else":
            if kw.text != "range" and (nxt := self.peek()).kind == "ident" and nxt.text == kw.text:
                self.next()  # {{else if x}} is {{else}}{{if x}}...{{end}}, sharing one {{end}}
                del self.vars[mark:]
                return _Control(kw.pos, kw.text, pipe, body, (self.control(nxt),))
            self.expect("close", "{{else}}")
            else_body, stop = self.parse_list()
            if stop.text == "else":
                raise _error(self.src, stop.pos, "unexpected {{else}} after {{else}}")
        if stop.kind == "eof":
            raise _error(self.src, kw.pos, f"unclosed {{{{{kw.text}}}}}: missing {{{{end}}}}")
        del self.vars[mark:]
        return _Control(kw.pos, kw.text, pipe, body, else_body)

    def pipeline(self, context: str, closer: str = "close") -> _Pipe:
        """``[$x :=] command | command ...`` up to ``closer`` (``}}`` or ``)``)."""
        start = self.peek()
        decl, assign = self.declaration(context)
        cmds = [self.command()] if self.peek().kind != closer else []
        while self.peek().kind == "pipe":
            self.next()
            if self.peek().kind != closer:  # Go accepts a trailing "|"
                cmds.append(self.command())
        if (end := self.next()).kind != closer:
            msg = "unclosed left paren" if closer == "rparen" else "unexpected right paren"
            raise _error(self.src, end.pos, msg)
        if not cmds:
            raise _error(self.src, start.pos, f"missing value for {context}")
        for n, cmd in enumerate(cmds[1:], 2):
            first = cmd.args[0]
            if isinstance(first, _Const) or (isinstance(first, _Field) and not first.names):
                raise _error(self.src, first.pos, f"non executable command in pipeline stage {n}")
        if not assign:
            self.vars.extend(decl)
        return _Pipe(start.pos, tuple(decl), assign, tuple(cmds))

    def declaration(self, context: str) -> tuple[list[str], bool]:
        """``$x :=``, ``$x =``, or in range ``$i, $v :=``; nothing if the tokens aren't one."""
        save, names = self.i, []
        while self.peek().kind == "var":
            names.append(self.next())
            if self.peek().kind != "comma":
                break
            self.next()
        if not names or (op := self.next()).kind not in ("decl", "assign"):
            self.i = save
            return [], False
        if len(names) > (2 if context == "range" else 1):
            raise _error(self.src, names[0].pos, f"too many declarations in {context}")
        for tok in names:
            if op.kind == "assign" and tok.text not in self.vars:
                raise _error(self.src, tok.pos, f'undefined variable "{tok.text}"')
        return [tok.text for tok in names], op.kind == "assign"

    def command(self) -> _Cmd:
        start, args = self.peek(), []
        while self.peek().kind not in ("close", "rparen", "pipe"):
            args.append(self.operand())
        if not args:
            raise _error(self.src, start.pos, "missing value for command")
        return _Cmd(start.pos, tuple(args))

    def operand(self) -> Any:
        """A term, then any ``.Field`` touching it: ``.A.B``, ``$x.A``, ``(pipeline).A``."""
        node, names = self.term(), []
        while self.peek().kind in ("field", "dot") and self.peek().glued:
            if (tok := self.next()).kind == "dot":
                raise _error(self.src, tok.pos, "unexpected . after term")
            names.append(tok.value)
        if not names:
            return node
        if (isinstance(node, _Field) and node.names) or isinstance(node, _Var):
            return node._replace(names=node.names + tuple(names))
        if isinstance(node, _Pipe | _Func):
            return _Chain(node.pos, node, tuple(names))
        raise _error(self.src, node.pos, "unexpected . after term")

    def term(self) -> Any:
        tok = self.next()
        if tok.kind in ("field", "dot"):
            return _Field(tok.pos, (tok.value,) if tok.kind == "field" else ())
        if tok.kind == "var" and tok.text not in self.vars:
            raise _error(self.src, tok.pos, f'undefined variable "{tok.text}"')
        if tok.kind == "var":
            return _Var(tok.pos, tok.text, ())
        if tok.kind in ("string", "number") or tok.text in _LITERALS:
            return _Const(tok.pos, _LITERALS.get(tok.text, tok.value), tok.text)
        if tok.kind == "lparen":
            return self.pipeline("parenthesized pipeline", "rparen")
        if tok.kind == "ident" and tok.text in _FUNCS:
            return _Func(tok.pos, tok.text)
        if tok.kind == "ident" and tok.text not in _KEYWORDS:
            raise _error(self.src, tok.pos, f'function "{tok.text}" not defined')
        raise _error(self.src, tok.pos, f"unexpected {_desc(tok)} in operand")


@functools.lru_cache(maxsize=256)
def _parse(template: str) -> tuple:
    nodes, stop = _Parser(template).parse_list()
    if stop.kind != "eof":
        raise _error(template, stop.pos, f"unexpected {{{{{stop.text}}}}}")
    return nodes


# ---------------------------------------------------------------------------------------------
# 3. Executor: tree + data -> text


class _LoopJump(Exception):
    """Raised by {{break}} and {{continue}}, caught by the {{range}} around them."""


class _Executor:
    def __init__(self, src: str, data: object, funcs: Mapping[str, Callable]) -> None:
        self.src, self.funcs, self.out = src, funcs, []
        self.vars: list[list] = [["$", data]]  # a stack of [name, value]

    def walk(self, dot: object, nodes: Iterable) -> None:
        for node in nodes:
            if isinstance(node, str):
                self.out.append(node)
            elif isinstance(node, _Action):
                value = self.pipe(dot, node.pipe)
                if not node.pipe.decl:
                    self.out.append(_gostr(value))
            elif isinstance(node, _Jump):
                raise _LoopJump(node.kind)
            elif node.kind == "range":
                self.range(dot, node)
            else:  # if / with
                mark = len(self.vars)
                if value := self.pipe(dot, node.pipe):
                    self.walk(value if node.kind == "with" else dot, node.body)
                else:
                    self.walk(dot, node.else_body)
                del self.vars[mark:]

    def range(self, dot: object, node: _Control) -> None:
        mark, decl = len(self.vars), node.pipe.decl
        value = self.pipe(dot, node.pipe, declare=False)
        if value is _MISSING:
            items: list = []
        elif isinstance(value, Mapping):  # like Go: a map in key order
            items = [(k, value[k]) for k in _sorted_keys(value)]
        elif isinstance(value, int) and not isinstance(value, bool):
            items = [(i, i) for i in range(value)]  # Go 1.22: {{range 3}}
        elif isinstance(value, Iterable) and not isinstance(value, str | bytes):
            items = list(enumerate(value))
        else:
            raise _error(self.src, node.pipe.pos, f"range can't iterate over {_gostr(value)}")
        for key, elem in items:
            del self.vars[mark:]
            for name, val in zip(decl, (key, elem) if len(decl) == 2 else (elem,), strict=False):
                self.set(node.pipe, name, val, node.pipe.assign)
            try:
                self.walk(elem, node.body)
            except _LoopJump as jump:
                if jump.args[0] == "break":
                    break
        del self.vars[mark:]
        if not items:
            self.walk(dot, node.else_body)

    def set(self, node: Any, name: str, value: object, assign: bool) -> None:
        if not assign:
            self.vars.append([name, value])
            return
        var = next((v for v in reversed(self.vars) if v[0] == name), None)
        if var is None:
            raise _error(self.src, node.pos, f'undefined variable "{name}"')
        var[1] = value

    def pipe(self, dot: object, pipe: _Pipe, declare: bool = True) -> Any:
        """Run each command, feeding the previous result in as the last argument."""
        value = _NOFINAL
        for cmd in pipe.cmds:
            if isinstance(first := cmd.args[0], _Const) and first.src == "nil":
                raise _error(self.src, first.pos, "nil is not a command")
            value = self.operand(dot, first, cmd.args[1:], value)
            value = _MISSING if value is None else value  # Go: an empty interface{} is no value
        for name in pipe.decl if declare else ():
            self.set(pipe, name, value, pipe.assign)
        return value

    def operand(self, dot: object, node: Any, args: tuple = (), final: object = _NOFINAL) -> Any:
        """The value of ``node``; a function or method is called with ``args`` (and ``final``)."""
        if isinstance(node, _Func):
            return self.call(dot, node, args, final)
        if isinstance(node, _Var):
            var = next((v for v in reversed(self.vars) if v[0] == node.name), None)
            if var is None:
                raise _error(self.src, node.pos, f'undefined variable "{node.name}"')
            receiver = var[1]
        elif isinstance(node, _Chain):
            receiver = self.operand(dot, node.node)
        elif isinstance(node, _Field):
            receiver = dot
        else:  # a constant or a parenthesized pipeline
            receiver = self.pipe(dot, node) if isinstance(node, _Pipe) else node.value
        names = getattr(node, "names", ())
        if not names and (args or final is not _NOFINAL):
            raise _error(self.src, node.pos, f"can't give argument to non-function {_show(node)}")
        for i, name in enumerate(names):
            last = i == len(names) - 1
            receiver = self.field(dot, node, receiver, name, args if last else (),
                                  final if last else _NOFINAL)
        return receiver

    def field(self, dot: object, node: Any, receiver: Any, name: str, args: tuple,
              final: object) -> Any:
        """``receiver.name``: a dict key, an attribute, or a method call."""
        if receiver is _MISSING:  # forgiving, like Go: a field of no value is no value
            return _MISSING
        if receiver is None:
            raise _error(self.src, node.pos, f"nil pointer evaluating <nil>.{name}")
        if isinstance(receiver, _Header):
            return receiver.field(name)
        if isinstance(receiver, Mapping):
            value = receiver.get(name, _MISSING)
        else:  # an object: like a Go struct, its public attributes are its fields
            basic = isinstance(receiver, str | int | float | list | tuple) or name[0] == "_"
            value = _MISSING if basic else getattr(receiver, name, _MISSING)
            if value is _MISSING:
                msg = f"can't evaluate field {name} in type {_gotype(receiver)}"
                raise _error(self.src, node.pos, msg)
            if inspect.ismethod(value):  # like Go, methods are called, with any arguments
                return self.invoke(node, name, value, [self.operand(dot, a) for a in args], final)
        if args or final is not _NOFINAL:
            raise _error(self.src, node.pos, f"can't give argument to non-function {_show(node)}")
        return value

    def call(self, dot: object, node: _Func, args: tuple, final: object) -> Any:
        if node.name in ("and", "or"):  # these stop evaluating arguments once the answer is known
            value = _NOFINAL
            for value in chain((self.operand(dot, a) for a in args),
                               [final] if final is not _NOFINAL else []):
                if bool(value) == (node.name == "or"):
                    break
            if value is _NOFINAL:
                raise _error(self.src, node.pos, f"wrong number of args for {node.name}: want at "
                             "least 1 got 0")
            return value
        values = [self.operand(dot, a) for a in args]
        return self.invoke(node, node.name, self.funcs[node.name], values, final)

    def invoke(self, node: Any, name: str, fn: Callable, values: list, final: object) -> Any:
        values += [] if final is _NOFINAL else [final]
        values = [None if v is _MISSING else v for v in values]  # Go passes nil for "no value"
        try:
            return fn(*values)
        except TemplateError:
            raise
        except Exception as e:
            msg = f"error calling {name}: {e}"
            try:
                inspect.signature(fn).bind(*values)
            except TypeError:
                ps = inspect.signature(fn).parameters.values()
                want = sum(p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD for p in ps)
                want_s = f"at least {want}" if any(p.kind is p.VAR_POSITIONAL for p in ps) else want
                msg = f"wrong number of args for {name}: want {want_s} got {len(values)}"
            except ValueError:  # a built-in without a signature
                pass
            raise _error(self.src, node.pos, msg) from None


def _render(template: str, data: object, funcs: Mapping[str, Callable], partial: bool = False
            ) -> str:
    tree = _parse(template)
    ex = _Executor(template, data, funcs)
    try:
        ex.walk(data, tree)
    except TemplateError:
        if not partial:
            raise
    return "".join(ex.out)


def render(template: str, data: object) -> str:
    """Execute the Go template ``template`` with ``data`` as dot.

    Dicts are Go maps (``.Key``; a missing key gives ``<no value>``), other objects are Go structs
    (``.attribute``; methods are called).  Raises :class:`TemplateError` for a bad template.
    """
    return _render(template, data, _FUNCS)


# ---------------------------------------------------------------------------------------------
# Printing values like Go's fmt (%v) and Docker's json function


def _gotype(v: object) -> str:
    """The Go type a value would have after decoding JSON (for error messages)."""
    if v is None or v is _MISSING:
        return "<nil>"
    for py, go in ((bool, "bool"), (int, "int"), (float, "float64"), (str, "string"),
                   (Mapping, "map[string]interface {}"), (list | tuple, "[]interface {}")):
        if isinstance(v, py):
            return go
    return type(v).__name__


def _sorted_keys(d: Mapping) -> list:
    try:
        return sorted(d)
    except TypeError:
        return sorted(d, key=str)


def _go_float(x: float, for_json: bool = False) -> str:
    """Shortest decimal that reads back as ``x``, in ``1e+06`` notation where Go uses it."""
    if not math.isfinite(x):
        return "NaN" if math.isnan(x) else "+Inf" if x > 0 else "-Inf"
    if x == 0:
        return "-0" if math.copysign(1, x) < 0 else "0"
    _, digits, exp = Decimal(repr(x)).as_tuple()
    e = len(digits) - 1 + int(exp)  # x = d.ddd × 10**e
    d, sign = "".join(map(str, digits)).rstrip("0"), "-" if x < 0 else ""
    if (not 1e-6 <= abs(x) < 1e21) if for_json else (e < -4 or e >= 6):
        mantissa = d[0] + ("." + d[1:] if len(d) > 1 else "")
        return f"{sign}{mantissa}e{e:+d}" if for_json and e < 0 else f"{sign}{mantissa}e{e:+03d}"
    if e >= 0:
        return sign + d[: e + 1].ljust(e + 1, "0") + ("." + d[e + 1 :] if d[e + 1 :] else "")
    return f"{sign}0.{'0' * (-e - 1)}{d}"


def _gostr(v: object) -> str:
    """Format ``v`` the way Go's ``%v`` prints JSON-like data."""
    if v is None or v is _MISSING:
        return "<nil>" if v is None else "<no value>"
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return _go_float(v)
    if isinstance(v, Mapping):
        return "map[" + " ".join(f"{_gostr(k)}:{_gostr(v[k])}" for k in _sorted_keys(v)) + "]"
    if isinstance(v, list | tuple):
        return "[" + " ".join(map(_gostr, v)) + "]"
    if dataclasses.is_dataclass(v) and not isinstance(v, type):  # a Go struct prints as {a b}
        return "{" + " ".join(_gostr(getattr(v, f.name)) for f in dataclasses.fields(v)) + "}"
    return str(v)


def _to_json(v: object) -> str:
    """Compact JSON like Docker's ``json`` function: Go's number format, no HTML escaping."""
    if v is None or v is _MISSING:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(int(v))
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"json: unsupported value: {_go_float(v)}")
        return _go_float(v, for_json=True)
    if isinstance(v, str):
        s = json.dumps(str(v), ensure_ascii=False)
        return s.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    if isinstance(v, Mapping):  # kept in insertion order, like the fields of a Go struct
        return "{" + ",".join(f"{_to_json(str(k))}:{_to_json(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list | tuple | set | frozenset):
        return "[" + ",".join(map(_to_json, v)) + "]"
    if dataclasses.is_dataclass(v) or hasattr(v, "__dict__"):
        names = [f.name for f in dataclasses.fields(v)] if dataclasses.is_dataclass(v) else vars(v)
        return _to_json({n: getattr(v, n) for n in names if not n.startswith("_")})
    return _to_json(str(v))


# ---------------------------------------------------------------------------------------------
# Built-in functions: Go's, then Docker's

_VERB = re.compile(r"%([-+# 0]*)(\d*)(?:\.(\d*))?(.?)", re.S)


def _printf(fmt: str, *args: object) -> str:
    """Go's fmt.Sprintf for the common verbs: %v %s %d %q %t %x %X %o %b %c %e %f %g %T %%."""
    out, pos, used = [], 0, 0
    for m in _VERB.finditer(_want(fmt, str)):
        out.append(fmt[pos : m.start()])
        pos = m.end()
        flags, width, prec, verb = m.groups()
        if verb == "%" or not verb:
            out.append("%" if verb else "%!(NOVERB)")
        elif used >= len(args):
            out.append(f"%!{verb}(MISSING)")
        else:
            out.append(_format_one(flags, width, prec, verb, args[used]))
            used += 1
    out.append(fmt[pos:])
    if used < len(args):
        out.append("%!(EXTRA " + ", ".join(f"{_gotype(a)}={_gostr(a)}" for a in args[used:]) + ")")
    return "".join(out)


def _format_one(flags: str, width: str, prec: str | None, verb: str, arg: Any) -> str:
    prec_spec = "" if prec is None else "." + prec
    is_int = isinstance(arg, int) and not isinstance(arg, bool)
    is_num = is_int or isinstance(arg, float)
    if (is_int and verb in "dxXoc") or (is_num and (verb in "eEfF" or (prec and verb in "gG"))):
        return f"%{flags}{width}{prec_spec}{verb}" % arg  # Python's % knows these verbs
    text = {  # the other verbs make a string, then get padded to the width
        "v": _gostr(arg), "s": None if is_num or isinstance(arg, bool) else _gostr(arg),
        "g": _go_float(arg) if is_num else None, "b": format(arg, "b") if is_int else None,
        "q": json.dumps(arg, ensure_ascii=False) if isinstance(arg, str) else None,
        "t": _gostr(arg) if isinstance(arg, bool) else None, "T": _gotype(arg),
        "x": arg.encode().hex() if isinstance(arg, str) else None,
    }.get(verb.lower() if verb in "GX" else verb)
    if text is None:
        return f"%!{verb}({_gotype(arg)}={_gostr(arg)})"
    return f"%{'-' if '-' in flags else ''}{width}{prec_spec}s" % (
        text.upper() if verb in "GX" else text)


def _want(v: Any, typ: Any) -> Any:
    """Check an argument's type the way Go does when it calls a typed function."""
    if isinstance(v, typ) and not (typ is int and isinstance(v, bool)):
        return v
    want = {str: "string", int: "int", list | tuple: "[]string"}[typ]
    raise TypeError(f"wrong type for value; expected {want}; got {_gotype(v)}")


def _text(args: tuple) -> str:  # how html, js and urlquery turn their arguments into one string
    return args[0] if len(args) == 1 and isinstance(args[0], str) else _sprint(*args)


def _sprint(*args: object) -> str:  # Go's fmt.Sprint: a space only between two non-strings
    return "".join((" " if i and not isinstance(a, str) and not isinstance(args[i - 1], str)
                    else "") + _gostr(a) for i, a in enumerate(args))


def _len(x: object) -> int:  # strings count bytes, as in Go
    if isinstance(x, str | bytes | list | tuple | set | Mapping):
        return len(x.encode() if isinstance(x, str) else x)
    raise TypeError("len of nil pointer" if x is None else f"len of type {_gotype(x)}")


def _index(item: Any, *keys: object) -> object:
    for key in keys:
        if isinstance(item, Mapping):
            item = item.get(key, _MISSING)
        elif isinstance(item, str | list | tuple):
            seq = item.encode() if isinstance(item, str) else item  # a string's bytes, as in Go
            if not 0 <= _want(key, int) < len(seq):
                raise IndexError(f"index out of range: {key}")
            item = seq[key]
        else:
            raise TypeError("index of untyped nil" if item is None else
                            f"can't index item of type {_gotype(item)}")
    return item


def _slice(item: Any, *bounds: object) -> object:
    if not isinstance(item, str | list | tuple):
        raise TypeError(f"can't slice item of type {_gotype(item)}")
    if len(bounds) > 3 or (len(bounds) == 3 and isinstance(item, str)):
        raise TypeError("cannot 3-index slice a string" if len(bounds) == 3 else "too many indexes")
    seq = item.encode() if isinstance(item, str) else item
    i, j, k = (*(_want(b, int) for b in bounds), None, None, None)[:3]
    i, j, k = i or 0, len(seq) if j is None else j, len(seq) if k is None else k
    if not 0 <= i <= j <= k <= len(seq):
        raise IndexError(f"slice index out of range: {i}:{j}")
    return seq[i:j].decode(errors="replace") if isinstance(seq, bytes) else seq[i:j]


def _kind(v: object) -> str | None:  # what eq and lt compare: nil, bool, number or string
    kind = "nil" if v is None else _gotype(v)
    kind = "number" if kind in ("int", "float64") else kind
    return kind if kind in ("nil", "bool", "number", "string") else None


def _eq(a: object, *others: object) -> bool:
    if not others:
        raise TypeError("missing argument for comparison")
    for b in others:
        ka, kb = _kind(a), _kind(b)
        if ka and kb and ka != kb and "nil" not in (ka, kb):
            raise TypeError("incompatible types for comparison")
        if ka == kb and a == b:
            return True
    return False


def _ordered(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        ka, kb = _kind(a), _kind(b)
        if ka not in ("number", "string") or kb not in ("number", "string"):
            raise TypeError("invalid type for comparison")
        if ka != kb:
            raise TypeError("incompatible types for comparison")
        return op(a, b)

    return compare


_HTML = str.maketrans({'"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;",
                       "\0": "\ufffd"})
_JS = {"\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E", "&": "\\u0026",
       "=": "\\u003D"}


def _js(*args: object) -> str:
    def escape(c: str) -> str:
        hidden = c < " " or (c >= "\x80" and not c.isprintable())
        return _JS.get(c) or (f"\\u{ord(c):04X}" if hidden else c)

    return "".join(map(escape, _text(args)))


def _join(items: Any, sep: object) -> str:  # Go wants []string; we print any list's elements
    return "" if items is None else _want(sep, str).join(map(_gostr, _want(items, list | tuple)))


_FUNCS: dict[str, Callable[..., Any]] = {
    # Go's text/template built-ins ("and" and "or" are short-circuited by the executor)
    "and": lambda *args: next((a for a in args if not a), args[-1]),
    "or": lambda *args: next((a for a in args if a), args[-1]),
    "not": lambda x: not x,
    "len": _len,
    "index": _index,
    "slice": _slice,
    "print": _sprint,
    "printf": _printf,
    "println": lambda *args: " ".join(map(_gostr, args)) + "\n",
    "eq": _eq,
    "ne": lambda a, b: not _eq(a, b),
    "lt": _ordered(lambda a, b: a < b),
    "le": _ordered(lambda a, b: a <= b),
    "gt": _ordered(lambda a, b: a > b),
    "ge": _ordered(lambda a, b: a >= b),
    "html": lambda *args: _text(args).translate(_HTML),
    "js": _js,
    "urlquery": lambda *args: urllib.parse.quote_plus(_text(args), safe=""),
    "call": lambda fn, *args: fn(*args),
    # Docker's additions (docker/cli templates/templates.go)
    "json": _to_json,
    "join": _join,
    "split": lambda s, sep: _want(s, str).split(sep) if _want(sep, str) else list(s),
    "lower": lambda s: _want(s, str).lower(),
    "upper": lambda s: _want(s, str).upper(),
    "title": lambda s: re.sub(r"(?<!\w)\w", lambda m: m[0].upper(), _want(s, str)),
    "truncate": lambda s, n: _want(s, str)[: max(_want(n, int), 0)],
    "pad": lambda s, left, right: _want(s, str) and " " * _want(left, int) + s + " " * right,
}

# ---------------------------------------------------------------------------------------------
# Docker's table directive, and Go's tabwriter

_TITLES = {"CreatedSince": "CREATED", "RunningFor": "CREATED"}  # Docker titles not from the name


class _Header(str):
    """Dot for a table's header row: every field evaluates to its column title."""

    titles: Mapping[str, str]

    def field(self, name: str) -> _Header:
        title = self.titles.get(name) or _TITLES.get(name) or re.sub(
            r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z]{2})", " ", name).upper()
        header = _Header(title)
        header.titles = self.titles
        return header


# Like Docker, the header row is rendered with functions that leave a title alone.
_HEADER_FUNCS = {**_FUNCS, **dict.fromkeys(
    ("json", "split", "join", "title", "lower", "upper", "truncate"), lambda v, *_: v)}


def _docker_format(template: str) -> tuple[bool, str]:
    """Docker's list formats: a ``table`` prefix, ``json`` alone, and typed ``\\t`` / ``\\n``."""
    table = template.startswith("table")
    body = template[5:] if table else "{{json .}}" if template == "json" else template
    return table, body.strip(" ").replace("\\t", "\t").replace("\\n", "\n")


def table_header(template: str, headers: Mapping[str, str] | None = None) -> str | None:
    """The header row of a ``table ...`` format (cells split by tabs), or None if not a table.

    A field's title is ``headers[field]`` if given, else its name in capitals with the words
    split (``.CreatedAt`` -> ``CREATED AT``), except Docker's ``CreatedSince`` -> ``CREATED``.
    """
    table, body = _docker_format(template)
    if not table:
        return None
    root = _Header("")
    root.titles = headers or {}
    return _render(body, root, _HEADER_FUNCS, partial=True)  # Docker ignores header errors


def render_table(template: str, rows: Iterable[object],
                 headers: Mapping[str, str] | None = None) -> str:
    """Render a list command's ``--format`` for each row, the way Docker does.

    ``table TEMPLATE`` gives a header row and aligned columns (cells split by tabs); ``json``
    is ``{{json .}}``; anything else is the template once per row.  A typed ``\\t`` or ``\\n``
    means a tab or a newline.  Every line of the result ends with a newline.
    """
    table, body = _docker_format(template)
    lines = [render(body, row) for row in rows]
    if not table:
        return "".join(line + "\n" for line in lines)
    text = "\n".join([table_header(template, headers) or "", *lines])
    return align_columns([line.split("\t") for line in text.split("\n")])


def _width(text: str) -> int:
    """Terminal columns: wide East Asian characters take 2, combining marks 0."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF"
               else 1 for c in text)


def align_columns(lines: list[list[str]], minwidth: int = 10, padding: int = 3) -> str:
    """Align cells into columns like Go's ``tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)``.

    Each line is a list of cells.  Every cell but a line's last is padded with spaces to its
    column's width: the widest cell plus ``padding``, at least ``minwidth``.  A column is a run of
    consecutive lines that have a cell there (not counting last cells), so a shorter line starts
    new columns below it.  Returns the text with a newline after every line.
    """
    out: list[str] = []
    widths: list[int] = []  # the widths of the columns left of the one being measured

    def emit(lo: int, hi: int) -> None:
        for cells in lines[lo:hi]:
            padded = [c + " " * (w - _width(c)) for c, w in zip(cells[:-1], widths, strict=False)]
            out.append("".join(padded) + (cells[-1] if cells else ""))

    def block(lo: int, hi: int) -> None:  # lines lo..hi-1 share the columns in ``widths``
        col, i = len(widths), lo
        while i < hi:
            if col >= len(lines[i]) - 1:  # no cell in this column: not part of a block
                i += 1
                continue
            emit(lo, i)
            lo, width = i, minwidth
            while i < hi and col < len(lines[i]) - 1:
                width = max(width, _width(lines[i][col]) + padding)
                i += 1
            widths.append(width)
            block(lo, i)
            widths.pop()
            lo = i
        emit(lo, hi)

    block(0, len(lines))
    return "".join(line + "\n" for line in out)
