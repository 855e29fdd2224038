#!/usr/bin/env python3
"""chfront: the ClickHouse HTTP interface in front of chDB, for tests.

chDB is the real ClickHouse engine as an in-process library; this file only
translates HTTP requests into chDB calls and chDB results/errors back into
what a ClickHouse server would answer. Everything SQL-related (parsing,
formats, error texts) is left to the engine. See README.md beside this file.

Standard library only, apart from chdb-core.
"""

import argparse
import base64
import gzip
import json
import os
import re
import sys
import threading
import time
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

# Every query carries the client's query id in this setting, because chDB
# generates its own query ids and offers no way to choose one; see
# PROCESSES_VIEW and README.md.
QID_PREFIX = "chfront-query-id:"

def _client_id(column):
    return (
        "if(startsWith(Settings['log_comment'], '{p}'), "
        "substring(Settings['log_comment'], {n}), {c})"
    ).format(p=QID_PREFIX, n=len(QID_PREFIX) + 1, c=column)


# system.processes with query_id (and initial_query_id) replaced by the
# client's id, so that `... FROM system.processes WHERE query_id = 'x'`,
# issued from another connection, finds a query sent with `?query_id=x`.
PROCESSES_VIEW = (
    "(SELECT * REPLACE ({} AS query_id, if(is_initial_query, {}, initial_query_id) "
    "AS initial_query_id) FROM system.processes)"
).format(_client_id("query_id"), _client_id("query_id"))

# URL parameters that ClickHouse's HTTP handler consumes itself; anything
# else (except param_*) is a setting. Those marked "ignored" change
# transport details that do not apply here (responses are always buffered
# and uncompressed).
RESERVED_PARAMS = {
    "query", "user", "password", "query_id", "database", "default_format",
    "session_id", "session_timeout", "session_check", "close_session",
    "quota_key", "role", "client_protocol_version",
    "compress", "decompress", "buffer_size", "wait_end_of_query",  # ignored
    "stacktrace",  # ignored
}

# exceptionCodeToHTTPStatus() of ClickHouse (src/Server/HTTP/), by error name
# because chDB's messages end with "(NAME)".
STATUS_BY_ERROR = {
    "REQUIRED_PASSWORD": 401,
    **dict.fromkeys([
        "UNKNOWN_USER", "WRONG_PASSWORD", "AUTHENTICATION_FAILED",
        "SET_NON_GRANTED_ROLE", "ACCESS_DENIED",
    ], 403),
    **dict.fromkeys([
        "BAD_ARGUMENTS", "CANNOT_COMPILE_REGEXP", "CANNOT_PARSE_TEXT",
        "CANNOT_PARSE_ESCAPE_SEQUENCE", "CANNOT_PARSE_QUOTED_STRING",
        "CANNOT_PARSE_DATE", "CANNOT_PARSE_DATETIME", "CANNOT_PARSE_NUMBER",
        "CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING", "CANNOT_PARSE_IPV4",
        "CANNOT_PARSE_IPV6", "CANNOT_PARSE_INPUT_ASSERTION_FAILED",
        "CANNOT_PARSE_UUID", "DUPLICATE_COLUMN", "ILLEGAL_COLUMN",
        "UNKNOWN_ELEMENT_IN_AST", "UNKNOWN_TYPE_OF_AST_NODE",
        "THERE_IS_NO_COLUMN", "TOO_DEEP_AST", "TOO_BIG_AST",
        "UNEXPECTED_AST_STRUCTURE", "SYNTAX_ERROR", "INCORRECT_DATA",
        "TYPE_MISMATCH", "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE",
    ], 400),
    **dict.fromkeys([
        "UNKNOWN_TABLE", "UNKNOWN_FUNCTION", "UNKNOWN_IDENTIFIER",
        "UNKNOWN_TYPE", "UNKNOWN_STORAGE", "UNKNOWN_DATABASE",
        "UNKNOWN_SETTING", "UNKNOWN_DIRECTION_OF_SORTING",
        "UNKNOWN_AGGREGATE_FUNCTION", "UNKNOWN_FORMAT",
        "UNKNOWN_DATABASE_ENGINE", "UNKNOWN_TYPE_OF_QUERY", "UNKNOWN_ROLE",
    ], 404),
    "QUERY_IS_TOO_LARGE": 413,
    "NOT_IMPLEMENTED": 501,
    "SOCKET_TIMEOUT": 503,
    "CANNOT_OPEN_FILE": 503,
    "CANNOT_SCHEDULE_TASK": 503,
    "HTTP_LENGTH_REQUIRED": 411,
    "TIMEOUT_EXCEEDED": 408,
    "UNSUPPORTED_MEDIA_TYPE": 415,
}

ERROR_RE = re.compile(r"^Code: (\d+)\. .*\(([A-Z0-9_]+)\)\s*$", re.S)


class ChError(Exception):
    """An error answered the way ClickHouse answers it."""

    def __init__(self, code, name, message):
        super().__init__(message)
        self.code = code
        self.name = name
        self.text = "Code: {}. DB::Exception: {}. ({})".format(code, message, name)

    @classmethod
    def from_engine(cls, exc):
        text = str(exc).strip()
        # StreamingInserter wraps engine errors in its own prefix.
        text = re.sub(r"^Streaming insert \w+ failed: ", "", text)
        m = ERROR_RE.match(text)
        if not m:
            err = cls(1001, "STD_EXCEPTION", text)
            return err
        err = cls(int(m.group(1)), m.group(2), "")
        err.text = text
        return err

    def status(self):
        return STATUS_BY_ERROR.get(self.name, 500)


# --- lexing -----------------------------------------------------------------
# Just enough of ClickHouse's lexer to find top-level tokens (a ';', the
# FORMAT clause, `system.processes`) outside literals and comments.

TOKEN_RE = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<lcomment>(?:--|\#)[^\n]*)
    | (?P<bcomment>/\*.*?(?:\*/|\Z))
    | (?P<squote>'(?:[^'\\]|\\.|'')*(?:'|\Z))
    | (?P<dquote>"(?:[^"\\]|\\.|"")*(?:"|\Z))
    | (?P<bquote>`(?:[^`\\]|\\.|``)*(?:`|\Z))
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<other>.)
    """,
    re.S | re.X,
)


def tokens(sql, start=0):
    """Yields (kind, text, start) of the significant tokens of sql."""
    for m in TOKEN_RE.finditer(sql, start):
        kind = m.lastgroup
        if kind in ("ws", "lcomment", "bcomment"):
            continue
        yield kind, m.group(), m.start()


def analyse(sql):
    """Splits a request's SQL the way ClickHouse's HTTP handler sees it.

    Returns (statement, data, fmt, multi_at, rewrites): for an INSERT
    with a FORMAT clause, statement is the text before FORMAT and data the
    bytes after the format name (ClickHouse streams them to the table);
    fmt is the FORMAT name if any; multi_at is the offset of a ';' followed
    by another statement; rewrites lists (start, end, replacement) that map
    the engine's query ids to the clients' (see PROCESSES_VIEW).
    """
    toks = list(tokens(sql))
    first = [t[1].upper() for t in toks[:2]]
    is_insert = first[:1] == ["INSERT"]
    # KILL QUERY matches its WHERE against system.processes internally.
    is_kill = first == ["KILL", "QUERY"]
    fmt = None
    processes_at = []
    depth = 0
    for i, (kind, text, pos) in enumerate(toks):
        if kind == "other" and text == "(":
            depth += 1
        elif kind == "other" and text == ")":
            depth -= 1
        elif kind == "other" and text == ";":
            if i + 1 < len(toks):
                return sql, None, fmt, pos, processes_at
            return sql[:pos], None, fmt, None, processes_at
        elif kind == "word" and text.upper() == "FORMAT" and depth == 0:
            if i + 1 < len(toks) and toks[i + 1][0] in ("word", "bquote", "dquote"):
                fmt = toks[i + 1][1].strip('`"')
                if is_insert:
                    end = toks[i + 1][2] + len(toks[i + 1][1])
                    data = sql[end:]
                    # The data starts on the line after the format name.
                    data = re.sub(r"^[ \t]*\r?\n?", "", data, count=1)
                    return sql[:pos], data, fmt, None, processes_at
        elif (
            kind == "word" and text.lower() == "system"
            and i + 2 < len(toks) and toks[i + 1][1] == "."
            and toks[i + 2][1].lower() == "processes"
            and (i == 0 or toks[i - 1][1] != ".")
        ):
            processes_at.append((pos, toks[i + 2][2] + len(toks[i + 2][1]), PROCESSES_VIEW))
        elif (
            is_kill and kind == "word" and text == "query_id"
            and (i == 0 or toks[i - 1][1] != ".")
        ):
            processes_at.append((pos, pos + len(text), _client_id("query_id")))
    return sql, None, fmt, None, processes_at


def sql_string(value):
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def content_type(fmt):
    f = fmt.lower()
    if f.startswith("json"):
        return "application/json; charset=UTF-8"
    if f.startswith(("tabseparated", "tsv")):
        return "text/tab-separated-values; charset=UTF-8"
    if f.startswith("csv"):
        return "text/csv; charset=UTF-8; header=absent"
    if f in ("native", "rowbinary", "parquet", "arrow", "orc", "avro"):
        return "application/octet-stream"
    return "text/plain; charset=UTF-8"


# --- engine -----------------------------------------------------------------


class Engine:
    """One chDB engine on a data directory; one chDB connection per request.

    A chDB process hosts a single engine, which lives while any connection
    is open: `keep` holds one for the server's lifetime. Each HTTP request
    gets a fresh connection, which gives ClickHouse's HTTP semantics (SET,
    USE and URL settings last one request) and lets requests run in
    parallel: chDB releases the GIL while a query runs and connections do
    not share a lock.
    """

    def __init__(self, path, config=None):
        from chdb import _chdb  # imported late: takes ~0.4 s

        self._chdb = _chdb
        os.makedirs(path, exist_ok=True)
        self.data_dir = os.path.abspath(path)
        # Startup arguments ride on the path, as clickhouse-local's options.
        self.path = self.data_dir
        if config:
            self.path += "?config-file=" + os.path.abspath(config)
        self.keep = _chdb.connect(self.path)
        row = self.keep.query("SELECT version(), timezone()", "TabSeparated", params={})
        self.version, self.timezone = row.bytes().decode().strip().split("\t")
        self.running = set()
        self.running_lock = threading.Lock()
        self.sessions = {}
        self.sessions_lock = threading.Lock()

    def connect(self):
        try:
            return self._chdb.connect(self.path)
        except Exception as e:
            raise ChError.from_engine(e)

    def session(self, session_id):
        """The connection kept for an HTTP session, locked for this request."""
        with self.sessions_lock:
            entry = self.sessions.get(session_id)
            if entry is None:
                entry = self.sessions[session_id] = [self.connect(), threading.Lock()]
        if not entry[1].acquire(blocking=False):
            raise ChError(373, "SESSION_IS_LOCKED",
                          "Session {} is locked by a concurrent client".format(session_id))
        return entry

    def claim_query_id(self, query_id):
        with self.running_lock:
            if query_id in self.running:
                raise ChError(216, "QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING",
                              "Query with id = {} is already running".format(query_id))
            self.running.add(query_id)

    def release_query_id(self, query_id):
        with self.running_lock:
            self.running.discard(query_id)

    def run(self, conn, sql, *, settings, database, default_format, params, query_id, readonly):
        """Runs one request's SQL; returns (body, format, summary)."""
        statement, data, fmt, multi_at, processes_at = analyse(sql)
        if multi_at is not None:
            raise ChError(62, "SYNTAX_ERROR",
                          "Syntax error (Multi-statements are not allowed): failed at "
                          "position {} (end of query): {}. ".format(
                              multi_at + 1, sql[multi_at:multi_at + 40]))
        if not statement.strip():
            raise ChError(62, "SYNTAX_ERROR", "Empty query")

        sets = []
        if readonly:
            sets.append(("readonly", "2"))
        sets.extend(settings)
        if not any(name == "log_comment" for name, _ in settings):
            sets.append(("log_comment", QID_PREFIX + query_id))
        q = lambda text, f="TabSeparated": conn.query(text, f, params={})
        try:
            q("SET " + ", ".join("{} = {}".format(n, sql_string(v)) for n, v in sets))
            if database:
                q("USE `{}`".format(database.replace("\\", "\\\\").replace("`", "\\`")))
            for start, end, replacement in reversed(processes_at):
                statement = statement[:start] + replacement + statement[end:]
            out_format = fmt or default_format
            t0 = time.monotonic()
            if data is not None:
                inserter = conn.send_insert(statement, fmt)
                try:
                    if data:
                        conn.insert_append(inserter, data.encode("utf-8", "surrogateescape"))
                    result = conn.insert_done(inserter)
                except BaseException:
                    try:
                        conn.insert_cancel(inserter)
                    except Exception:
                        pass
                    raise
                body = b""
                out_format = default_format
            else:
                result = conn.query(statement, default_format, params=params)
                body = result.bytes()
            elapsed_ns = int((time.monotonic() - t0) * 1e9)
        except ChError:
            raise
        except Exception as e:
            raise ChError.from_engine(e)
        summary = {
            "read_rows": str(getattr(result, "rows_read", lambda: 0)()),
            "read_bytes": str(getattr(result, "bytes_read", lambda: 0)()),
            "written_rows": str(result.rows_written()),
            "written_bytes": str(result.bytes_written()),
            "total_rows_to_read": "0",
            "result_rows": "0",
            "result_bytes": str(len(body)),
            "elapsed_ns": str(elapsed_ns),
        }
        return body, out_format, summary


# --- HTTP ---------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    # Keep-alive, as clients of ClickHouse pool connections.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm a
    # keep-alive client waits ~40 ms (delayed ACK) for every reply.
    disable_nagle_algorithm = True
    server_version = "chfront"
    engine = None
    user = "default"
    password = ""
    verbose = False
    display_name = "chfront"

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("chfront: %s - %s\n" % (self.address_string(), fmt % args))

    def do_GET(self):
        self.handle_request()

    def do_POST(self):
        self.handle_request()

    def do_HEAD(self):
        self.send_plain(200, b"")

    def send_plain(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if not any(n.lower() == "content-type" for n, _ in headers):
            self.send_header("Content-Type", "text/plain; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            body = b"".join(chunks)
        else:
            body = self.rfile.read(length) if length > 0 else b""
        encoding = self.headers.get("Content-Encoding", "").lower()
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding not in ("", "identity"):
            raise ChError(1, "UNSUPPORTED_METHOD", "Unknown Content-Encoding: " + encoding)
        return body

    def credentials(self, params):
        # http.server decodes header bytes as Latin-1; ClickHouse compares the raw bytes, which
        # for a UTF-8 password are its UTF-8 encoding.
        def raw(name):
            value = self.headers.get(name)
            return None if value is None else value.encode("latin-1").decode("utf-8", "replace")

        user = raw("X-ClickHouse-User")
        password = raw("X-ClickHouse-Key")
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(auth[6:].strip()).decode().partition(":")
            except Exception:
                raise ChError(36, "BAD_ARGUMENTS", "Malformed Basic authorization")
        if user is None:
            user = params.get("user")
        if password is None:
            password = params.get("password")
        return user or "default", password or ""

    def handle_request(self):
        query_id = None
        headers = [("X-ClickHouse-Server-Display-Name", self.display_name)]
        try:
            url = urlsplit(self.path)
            params = dict(parse_qsl(url.query, keep_blank_values=True))
            body = self.read_body()
            if url.path in ("/ping", "/replicas_status"):
                return self.send_plain(200, b"Ok.\n")
            if url.path != "/":
                raise ChError(0, "UNKNOWN", "")  # answered as 404 below
            if "query" not in params and not body:
                return self.send_plain(200, b"Ok.\n")

            query_id = params.get("query_id") or str(uuid.uuid4())
            headers.append(("X-ClickHouse-Query-Id", query_id))
            headers.append(("X-ClickHouse-Timezone", self.engine.timezone))
            user, password = self.credentials(params)
            if user != self.user or password != self.password:
                raise ChError(516, "AUTHENTICATION_FAILED",
                              "{}: Authentication failed: password is incorrect, or there "
                              "is no user with such name".format(user))

            sql = params.get("query", "")
            if sql and body:
                sql += "\n"
            sql += body.decode("utf-8", errors="surrogateescape")
            settings = [
                (k, v) for k, v in params.items()
                if k not in RESERVED_PARAMS and not k.startswith("param_")
            ]
            for name, _ in settings:
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                    raise ChError(115, "UNKNOWN_SETTING", "Unknown setting '{}'".format(name))
            query_params = {k[6:]: v for k, v in params.items() if k.startswith("param_")}

            self.engine.claim_query_id(query_id)
            try:
                session_id = params.get("session_id")
                if session_id:
                    conn, lock = self.engine.session(session_id)
                else:
                    conn, lock = self.engine.connect(), None
                try:
                    body, fmt, summary = self.engine.run(
                        conn, sql,
                        settings=settings,
                        database=params.get("database"),
                        default_format=params.get("default_format") or "TabSeparated",
                        params=query_params,
                        query_id=query_id,
                        # On a session's kept connection SET outlives the
                        # request, and readonly could never be lifted again.
                        readonly=self.command == "GET" and not session_id,
                    )
                finally:
                    if lock is not None:
                        lock.release()
                    else:
                        conn.close()
            finally:
                self.engine.release_query_id(query_id)
            headers += [
                ("X-ClickHouse-Format", fmt),
                ("Content-Type", content_type(fmt)),
                ("X-ClickHouse-Summary", json.dumps(summary, separators=(",", ":"))),
            ]
            self.send_plain(200, body, headers)
        except ChError as e:
            if e.code == 0:
                msg = "There is no handle {}\n\nUse / or /ping for health checks.\n".format(
                    urlsplit(self.path).path)
                return self.send_plain(404, msg.encode(), headers)
            text = "{} (version {})\n".format(e.text, self.engine.version)
            headers.append(("X-ClickHouse-Exception-Code", str(e.code)))
            self.send_plain(e.status(), text.encode(errors="replace"), headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # never let a request take the server down
            if self.verbose:
                import traceback
                traceback.print_exc()
            text = "Code: 1001. DB::Exception: {}: {}. (STD_EXCEPTION) (version {})\n".format(
                type(e).__name__, e, self.engine.version)
            headers.append(("X-ClickHouse-Exception-Code", "1001"))
            try:
                self.send_plain(500, text.encode(errors="replace"), headers)
            except OSError:
                self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # Tests open many connections at once; the default backlog of 5 drops some.
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # Clients dropping keep-alive connections is routine, not news.
        if Handler.verbose:
            super().handle_error(request, client_address)


def exit_on_stdin_eof(remove_data):
    """Ends the process when stdin closes: the parent (a test binary) died."""
    try:
        while sys.stdin.buffer.read(65536):
            pass
    except Exception:
        pass
    if remove_data:
        import shutil
        shutil.rmtree(remove_data, ignore_errors=True)
    # os._exit: no chDB shutdown, which could wait on running queries. Data
    # of finished INSERTs and DDL is already on disk.
    os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8123, help="0 picks a free port")
    ap.add_argument("--data", required=True, help="chDB data directory (kept across restarts)")
    ap.add_argument("--user", default="default")
    ap.add_argument("--password", default="")
    ap.add_argument("--display-name", default="chfront")
    ap.add_argument("--exit-on-stdin-eof", action="store_true",
                    help="exit when stdin reaches EOF, e.g. when the parent process dies")
    ap.add_argument("--remove-data-on-exit", action="store_true",
                    help="with --exit-on-stdin-eof: delete --data on that exit")
    ap.add_argument("--config", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "server.xml"),
                    help="server configuration for the engine (default: server.xml beside this file)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    t0 = time.monotonic()
    try:
        Handler.engine = Engine(args.data, args.config)
    except Exception as e:
        # E.g. another chfront holds the data directory (chDB locks it).
        sys.exit("chfront: cannot open {}: {}".format(args.data, e))
    Handler.user, Handler.password = args.user, args.password
    Handler.verbose, Handler.display_name = args.verbose, args.display_name
    server = Server((args.host, args.port), Handler)
    if args.exit_on_stdin_eof:
        remove = Handler.engine.data_dir if args.remove_data_on_exit else None
        threading.Thread(target=exit_on_stdin_eof, args=(remove,), daemon=True).start()
    host, port = server.server_address[:2]
    # The one line on stdout: how a parent learns the port chosen for --port 0.
    print("chfront listening on http://{}:{}/ (ClickHouse {}, started in {:.2f}s)".format(
        host, port, Handler.engine.version, time.monotonic() - t0), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
