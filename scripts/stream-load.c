/*
 * stream-load: the streaming load generator of scripts/bench-upstream, in C.
 *
 * STREAMS keep-alive connections each send a streamed chat request, read its server-sent
 * events to the end and send the next, for WARMUP seconds (default 0), not measured, then
 * SECONDS measured; requests under way then run to their end. It counts the text chunks
 * (events with a non-empty "content") that arrive in the measured window and, for each
 * request sent in it, the time to its first one, and prints one JSON line:
 *
 *   {"tokens": N, "seconds": S, "requests": R, "ttft_p50_ms": X, "ttft_p99_ms": Y, "cpu_seconds": C}
 *
 * (cpu_seconds: this client's own CPU time in the measured window.)
 *
 * Why C: the asyncio client spends 15-20 us of CPU per token, as much as the gateway it
 * measures, and on a two-core machine it takes that from the engine and the gateway. This
 * one reads with epoll and copies each event once; it does what the Python client does
 * (the same request, the same count, the same percentiles) and nothing more.
 *
 * The warm-up keeps the streams going into the measured window: a gateway's connections are
 * open and its streams staggered, as in steady service, instead of 64 requests arriving in the
 * same millisecond at the window's start (a burst whose queueing would be the p99 of a short run).
 *
 * With STAGGER (seconds) the streams' first requests are spread evenly over that time instead of
 * all going out at once. Clients of a real service do not start in the same millisecond, and
 * here nothing would ever part them: every answer takes the same time, so streams that start
 * together end together and send their next requests together, for the whole run — groups of
 * up to 28 of the 64 streams, measured, each group a burst of requests in one millisecond.
 * bench-upstream staggers by one answer's duration.
 *
 * usage: stream-load PORT STREAMS TOKENS SECONDS KEY|- MODEL [WARMUP [STAGGER]]
 * With STREAM_LOAD_TTFTS=FILE in the environment, each request's send time (seconds since the
 * start) and TTFT are also written to FILE, one request a line: to see when the slow ones came.
 * build: cc -O2 -o stream-load scripts/stream-load.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum state { HEAD, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILER, LENGTH };

struct stream {
    int fd;
    enum state state;
    size_t remaining;       /* bytes left in the chunk, or in a Content-Length body */
    char in[(1 << 16) + 1]; /* bytes read and not yet parsed, then a NUL (for the header search) */
    size_t in_len;
    char *event;            /* the body's bytes since the last "\n\n" */
    size_t event_len, event_cap;
    double sent;            /* when the request went out */
    int first_seen;
};

static char request[4096];
static size_t request_len;
static long tokens_total, requests_total;
static double *ttfts, *sent_at;  /* each request's TTFT, and when it was sent (since start) */
static size_t ttft_len, ttft_cap;
static double start, window_start, window_end;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void fail(const char *what) {
    fprintf(stderr, "stream-load: %s%s%s\n", what, errno ? ": " : "", errno ? strerror(errno) : "");
    exit(1);
}

static void send_request(struct stream *s) {
    size_t off = 0;
    while (off < request_len) {
        ssize_t n = write(s->fd, request + off, request_len - off);
        if (n < 0) fail("write");
        off += (size_t)n;
    }
    s->sent = now();
    s->first_seen = 0;
    s->state = HEAD;
    s->event_len = 0;
}

static void record_ttft(double sent, double seconds) {
    if (ttft_len == ttft_cap) {
        ttft_cap = ttft_cap ? ttft_cap * 2 : 1024;
        ttfts = realloc(ttfts, ttft_cap * sizeof *ttfts);
        sent_at = realloc(sent_at, ttft_cap * sizeof *sent_at);
        if (!ttfts || !sent_at) fail("out of memory");
    }
    sent_at[ttft_len] = sent - start;
    ttfts[ttft_len++] = seconds;
}

/* One whole event: a text chunk carries "content":"x…", the role chunk and the finish do not. */
static int in_window(double t) { return t >= window_start && t < window_end; }

static void on_event(struct stream *s, const char *event, size_t len) {
    const char *key = memmem(event, len, "\"content\":\"", 11);
    if (!key || (size_t)(key - event) + 11 >= len || key[11] == '"') return;
    double t = now();
    if (in_window(t)) tokens_total++;
    if (!s->first_seen) {
        s->first_seen = 1;
        if (in_window(s->sent)) record_ttft(s->sent, t - s->sent);
    }
}

/* Body bytes, in order: split into events at each blank line. */
static void on_body(struct stream *s, const char *data, size_t len) {
    if (s->event_len + len > s->event_cap) {
        s->event_cap = (s->event_len + len) * 2;
        s->event = realloc(s->event, s->event_cap);
        if (!s->event) fail("out of memory");
    }
    memcpy(s->event + s->event_len, data, len);
    s->event_len += len;
    size_t start = 0;
    for (;;) {
        char *end = memmem(s->event + start, s->event_len - start, "\n\n", 2);
        if (!end) break;
        on_event(s, s->event + start, (size_t)(end - (s->event + start)));
        start = (size_t)(end - s->event) + 2;
    }
    memmove(s->event, s->event + start, s->event_len - start);
    s->event_len -= start;
}

/* Up to the rest of a chunk or body from `at`; returns how many bytes it took. */
static size_t take_body(struct stream *s, const char *at, size_t avail) {
    size_t take = avail < s->remaining ? avail : s->remaining;
    on_body(s, at, take);
    s->remaining -= take;
    return take;
}

/* Parses what was read; returns 1 when the response ended. */
static int parse(struct stream *s) {
    size_t pos = 0;
    int done = 0;
    while (!done && pos < s->in_len) {
        char *at = s->in + pos, *line;
        size_t avail = s->in_len - pos;
        switch (s->state) {
        case HEAD:
            line = memmem(at, avail, "\r\n\r\n", 4);
            if (!line) goto out;
            if (avail < 12 || strncmp(at + 9, "200", 3) != 0) {
                fprintf(stderr, "stream-load: the server answered %.*s\n", (int)(strchr(at, '\r') - at), at);
                exit(1);
            }
            s->state = LENGTH;
            s->remaining = 0;
            for (char *h = strstr(at, "\r\n") + 2; h < line; h = strstr(h, "\r\n") + 2) {
                if (strncasecmp(h, "transfer-encoding:", 18) == 0 && memmem(h, (size_t)(strstr(h, "\r\n") - h), "chunked", 7))
                    s->state = CHUNK_SIZE;
                else if (strncasecmp(h, "content-length:", 15) == 0)
                    s->remaining = strtoul(h + 15, NULL, 10);
            }
            pos = (size_t)(line - s->in) + 4;
            if (s->state == LENGTH && s->remaining == 0) done = 1;
            break;
        case CHUNK_SIZE:
            line = memmem(at, avail, "\r\n", 2);
            if (!line) goto out;
            s->remaining = strtoul(at, NULL, 16);
            s->state = s->remaining ? CHUNK_DATA : TRAILER;
            pos = (size_t)(line - s->in) + 2;
            break;
        case CHUNK_DATA:
            pos += take_body(s, at, avail);
            if (!s->remaining) s->state = CHUNK_END;
            break;
        case CHUNK_END:
            if (avail < 2) goto out;
            pos += 2;
            s->state = CHUNK_SIZE;
            break;
        case TRAILER:
            line = memmem(at, avail, "\r\n", 2);
            if (!line) goto out;
            pos = (size_t)(line - s->in) + 2;
            if (line == at) done = 1;
            break;
        case LENGTH:
            pos += take_body(s, at, avail);
            if (!s->remaining) done = 1;
            break;
        }
    }
out:
    memmove(s->in, s->in + pos, s->in_len - pos);
    s->in_len -= pos;
    s->in[s->in_len] = 0;
    return done;
}

static double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* As the Python client's: the value at round(p/100 * (n-1)) of the sorted values. */
static double percentile(double p) {
    if (!ttft_len) return 0;
    size_t index = (size_t)(p / 100 * (double)(ttft_len - 1) + 0.5);
    return ttfts[index < ttft_len ? index : ttft_len - 1];
}

int main(int argc, char **argv) {
    if (argc < 7 || argc > 9) {
        fprintf(stderr, "usage: stream-load PORT STREAMS TOKENS SECONDS KEY|- MODEL [WARMUP [STAGGER]]\n");
        return 2;
    }
    int port = atoi(argv[1]), streams = atoi(argv[2]), tokens = atoi(argv[3]);
    double seconds = atof(argv[4]), warmup = argc >= 8 ? atof(argv[7]) : 0, stagger = argc == 9 ? atof(argv[8]) : 0;
    const char *key = argv[5], *model = argv[6];
    if (port <= 0 || streams <= 0 || tokens <= 0 || seconds <= 0 || warmup < 0 || stagger < 0) fail("bad arguments");

    char body[512];
    int body_len = snprintf(body, sizeof body,
        "{\"model\":\"%s\",\"stream\":true,\"max_tokens\":%d,\"temperature\":0.7,"
        "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}", model, tokens);
    char auth[256] = "";
    if (strcmp(key, "-") != 0) snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", key);
    request_len = (size_t)snprintf(request, sizeof request,
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n"
        "Content-Type: application/json\r\n%s\r\n%s", body_len, auth, body);

    int epoll = epoll_create1(0);
    if (epoll < 0) fail("epoll_create1");
    struct stream *all = calloc((size_t)streams, sizeof *all);
    if (!all) fail("out of memory");
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    start = now();
    window_start = start + warmup;
    window_end = window_start + seconds;
    for (int i = 0; i < streams; i++) {
        struct stream *s = &all[i];
        s->fd = socket(AF_INET, SOCK_STREAM, 0);
        if (s->fd < 0) fail("socket");
        int one = 1;
        setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(s->fd, (struct sockaddr *)&address, sizeof address) < 0) fail("connect");
        struct epoll_event interest = {.events = EPOLLIN, .data.ptr = s};
        if (epoll_ctl(epoll, EPOLL_CTL_ADD, s->fd, &interest) < 0) fail("epoll_ctl");
    }

    int open = streams, started = 0;
    struct epoll_event ready[64];
    double cpu_start = -1, cpu_end = -1;  /* this client's CPU time at the window's ends */
    while (open > 0) {
        double t = now();
        /* stream i's first request at start + i * stagger / streams */
        while (started < streams && t >= start + stagger * started / streams) send_request(&all[started++]);
        if (cpu_start < 0 && t >= window_start) cpu_start = cpu_seconds();
        if (cpu_end < 0 && t >= window_end) cpu_end = cpu_seconds();
        int wait = 10;
        if (started < streams) {
            double next = start + stagger * started / streams - now();
            wait = next <= 0 ? 0 : next < 0.010 ? (int)(next * 1e3) + 1 : 10;
        }
        int n = epoll_wait(epoll, ready, 64, wait);
        if (n < 0 && errno != EINTR) fail("epoll_wait");
        for (int i = 0; i < n; i++) {
            struct stream *s = ready[i].data.ptr;
            ssize_t got = read(s->fd, s->in + s->in_len, sizeof s->in - 1 - s->in_len);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) fail(got == 0 ? "the server closed a connection mid-response" : "read");
            s->in_len += (size_t)got;
            s->in[s->in_len] = 0;
            if (!parse(s)) {
                if (s->in_len == sizeof s->in - 1) fail("a header or chunk line longer than 64 KiB");
                continue;
            }
            if (in_window(s->sent)) {
                requests_total++;
                if (!s->first_seen) record_ttft(s->sent, 0);  /* as the Python client: no text counts 0 */
            }
            if (s->in_len) fail("bytes after the end of a response");
            if (now() < window_end) {
                send_request(s);
            } else {
                close(s->fd);
                open--;
            }
        }
    }
    double elapsed = seconds;  /* the tokens counted are those that arrived in the window */
    const char *trace = getenv("STREAM_LOAD_TTFTS");
    if (trace) {
        FILE *file = fopen(trace, "w");
        if (!file) fail("cannot write STREAM_LOAD_TTFTS");
        for (size_t i = 0; i < ttft_len; i++) fprintf(file, "%.6f %.6f\n", sent_at[i], ttfts[i]);
        fclose(file);
    }
    qsort(ttfts, ttft_len, sizeof *ttfts, by_value);
    if (cpu_start < 0) cpu_start = 0;
    if (cpu_end < 0) cpu_end = cpu_seconds();
    double cpu = cpu_end - cpu_start;
    printf("{\"tokens\": %ld, \"seconds\": %.6f, \"requests\": %ld, \"ttft_p50_ms\": %.3f, \"ttft_p99_ms\": %.3f, "
           "\"cpu_seconds\": %.6f}\n", tokens_total, elapsed, requests_total, percentile(50) * 1e3,
           percentile(99) * 1e3, cpu);
    return 0;
}
