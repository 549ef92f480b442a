/*
 * A CoreMark-style kernel (written for Baton; not the EEMBC sources).
 *
 * One iteration runs the same four kinds of work CoreMark does:
 *   - linked-list processing: find, reverse, and merge sort of a list
 *     whose nodes live in a static pool;
 *   - small integer matrix work: add/multiply by constant, matrix-vector,
 *     matrix-matrix and a bit-extracting matrix-matrix product;
 *   - a state machine that classifies comma-separated numeric tokens;
 *   - a bitwise CRC-16 over all intermediate results.
 * `run(n)` performs n iterations, each seeded differently, and returns a
 * 64-bit checksum so different engines can be compared.
 *
 * Built freestanding (no libc, no imports); see build.sh.
 */
#include <stdint.h>
#include <stddef.h>

/* The compiler may emit calls to these for struct copies / loops. */
void *memcpy(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--) *d++ = *s++;
    return dst;
}
void *memset(void *dst, int c, size_t n) {
    unsigned char *d = dst;
    while (n--) *d++ = (unsigned char)c;
    return dst;
}

/* ---------------------------------------------------------------- CRC */

static uint16_t crc8(uint8_t data, uint16_t crc) {
    for (int i = 0; i < 8; i++) {
        uint8_t x16 = (uint8_t)((data & 1) ^ ((uint8_t)crc & 1));
        data >>= 1;
        if (x16 == 1) {
            crc ^= 0x4002;
            crc = (uint16_t)((crc >> 1) | 0x8000);
        } else {
            crc >>= 1;
        }
    }
    return crc;
}
static uint16_t crc16(uint16_t v, uint16_t crc) {
    crc = crc8((uint8_t)v, crc);
    return crc8((uint8_t)(v >> 8), crc);
}
static uint16_t crc32v(uint32_t v, uint16_t crc) {
    crc = crc16((uint16_t)v, crc);
    return crc16((uint16_t)(v >> 16), crc);
}

/* ------------------------------------------------------------- lists */

typedef struct Node {
    struct Node *next;
    int16_t data;
    int16_t idx;
} Node;

#define LIST_N 200
static Node pool[LIST_N];

static Node *list_build(uint32_t seed) {
    Node *head = 0;
    for (int i = LIST_N - 1; i >= 0; i--) {
        seed = seed * 1103515245u + 12345u;
        pool[i].data = (int16_t)((seed >> 16) & 0x7fff);
        pool[i].idx = (int16_t)i;
        pool[i].next = head;
        head = &pool[i];
    }
    return head;
}

static Node *list_reverse(Node *l) {
    Node *prev = 0;
    while (l) {
        Node *next = l->next;
        l->next = prev;
        prev = l;
        l = next;
    }
    return prev;
}

static Node *list_find(Node *l, int16_t data_low) {
    while (l && (l->data & 0xff) != data_low) l = l->next;
    return l;
}

typedef int (*cmp_fn)(const Node *, const Node *);
static int cmp_data(const Node *a, const Node *b) { return a->data - b->data; }
static int cmp_idx(const Node *a, const Node *b) { return a->idx - b->idx; }

/* Bottom-up merge sort on a singly linked list (no recursion, no malloc). */
static Node *list_sort(Node *list, cmp_fn cmp) {
    int insize = 1;
    for (;;) {
        Node *p = list, *tail = 0;
        int nmerges = 0;
        list = 0;
        while (p) {
            nmerges++;
            Node *q = p;
            int psize = 0, qsize = insize;
            for (int i = 0; i < insize && q; i++) {
                psize++;
                q = q->next;
            }
            while (psize > 0 || (qsize > 0 && q)) {
                Node *e;
                if (psize == 0) {
                    e = q; q = q->next; qsize--;
                } else if (qsize == 0 || !q) {
                    e = p; p = p->next; psize--;
                } else if (cmp(p, q) <= 0) {
                    e = p; p = p->next; psize--;
                } else {
                    e = q; q = q->next; qsize--;
                }
                if (tail) tail->next = e; else list = e;
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        if (nmerges <= 1) return list;
        insize *= 2;
    }
}

static uint16_t bench_list(uint32_t seed, uint16_t crc) {
    Node *l = list_build(seed);
    int found = 0, missed = 0;
    for (int i = 0; i < 32; i++) {
        Node *f = list_find(l, (int16_t)((seed + i * 37) & 0xff));
        if (f) { found++; crc = crc16((uint16_t)f->data, crc); } else missed++;
        l = list_reverse(l);
    }
    l = list_sort(l, cmp_data);
    for (Node *p = l; p; p = p->next) crc = crc16((uint16_t)p->data, crc);
    l = list_sort(l, cmp_idx);
    for (Node *p = l; p; p = p->next) crc = crc16((uint16_t)(p->data ^ p->idx), crc);
    crc = crc16((uint16_t)(found * 256 + missed), crc);
    return crc;
}

/* ------------------------------------------------------------ matrix */

#define MN 20
static int16_t ma[MN * MN], mb[MN * MN];
static int32_t mc[MN * MN];

static uint16_t matrix_crc(uint16_t crc) {
    int32_t sum = 0;
    for (int i = 0; i < MN * MN; i++) {
        sum += mc[i];
        if (sum > 0x3fffff) { crc = crc16((uint16_t)sum, crc); sum = 0; }
    }
    return crc16((uint16_t)sum, crc);
}

static uint16_t bench_matrix(uint32_t seed, uint16_t crc) {
    for (int i = 0; i < MN * MN; i++) {
        seed = seed * 1103515245u + 12345u;
        ma[i] = (int16_t)((seed >> 16) & 0xff) - 64;
        mb[i] = (int16_t)((seed >> 8) & 0x7f) + (int16_t)(i & 3);
    }
    int16_t k = (int16_t)(seed & 0x1f) + 3;
    /* add constant */
    for (int i = 0; i < MN * MN; i++) ma[i] = (int16_t)(ma[i] + k);
    /* multiply by constant */
    for (int i = 0; i < MN * MN; i++) mc[i] = (int32_t)ma[i] * k;
    crc = matrix_crc(crc);
    /* matrix * vector (first column of B) */
    for (int i = 0; i < MN; i++) {
        int32_t s = 0;
        for (int j = 0; j < MN; j++) s += (int32_t)ma[i * MN + j] * mb[j * MN];
        mc[i] = s;
    }
    crc = matrix_crc(crc);
    /* matrix * matrix */
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            int32_t s = 0;
            for (int x = 0; x < MN; x++) s += (int32_t)ma[i * MN + x] * mb[x * MN + j];
            mc[i * MN + j] = s;
        }
    crc = matrix_crc(crc);
    /* matrix * matrix, summing extracted bit fields of each product */
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            int32_t s = 0;
            for (int x = 0; x < MN; x++) {
                int32_t t = (int32_t)ma[i * MN + x] * mb[x * MN + j];
                s += ((t >> 2) & 0xf) * ((t >> 5) & 0x7f);
            }
            mc[i * MN + j] = s;
        }
    crc = matrix_crc(crc);
    /* undo the constant so repeated runs stay in range */
    for (int i = 0; i < MN * MN; i++) ma[i] = (int16_t)(ma[i] - k);
    return crc;
}

/* ----------------------------------------------------- state machine */

enum State { S_START, S_INVALID, S_S1, S_INT, S_FLOAT, S_S2, S_EXP, S_SCI, S_COUNT };

#define TEXT_LEN 1024
static char text[TEXT_LEN];

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Classify the token starting at *p, advance past its trailing comma. */
static enum State scan_token(const char **p, uint32_t *transitions) {
    const char *s = *p;
    enum State st = S_START;
    while (*s && *s != ',') {
        char c = *s;
        enum State next = st;
        switch (st) {
        case S_START:
            if (is_digit(c)) next = S_INT;
            else if (c == '+' || c == '-') next = S_S1;
            else if (c == '.') next = S_FLOAT;
            else next = S_INVALID;
            break;
        case S_S1:
            if (is_digit(c)) next = S_INT;
            else if (c == '.') next = S_FLOAT;
            else next = S_INVALID;
            break;
        case S_INT:
            if (c == '.') next = S_FLOAT;
            else if (!is_digit(c)) next = S_INVALID;
            break;
        case S_FLOAT:
            if (c == 'e' || c == 'E') next = S_S2;
            else if (!is_digit(c)) next = S_INVALID;
            break;
        case S_S2:
            if (c == '+' || c == '-') next = S_EXP;
            else next = S_INVALID;
            break;
        case S_EXP:
            if (is_digit(c)) next = S_SCI;
            else next = S_INVALID;
            break;
        case S_SCI:
            if (!is_digit(c)) next = S_INVALID;
            break;
        default:
            break;
        }
        if (next != st) transitions[next]++;
        st = next;
        s++;
    }
    if (*s == ',') s++;
    *p = s;
    return st;
}

static uint16_t bench_state(uint32_t seed, uint16_t crc) {
    static const char *const pieces[] = {
        "5012", "1234", "-874", "+122", "35.54400", ".1234500", "-110.700", "+0.64400",
        "5.500e+3", "-.123e-2", "-87e+832", "+0.6e-12", "T0.3e-1F", "-T.T++Tq", "1T3.4e4z", "34.0e-T^",
    };
    /* Fill the text with seeded tokens. */
    int pos = 0;
    while (pos < TEXT_LEN - 12) {
        seed = seed * 1103515245u + 12345u;
        const char *piece = pieces[(seed >> 16) & 15];
        while (*piece) text[pos++] = *piece++;
        text[pos++] = ',';
    }
    text[pos] = 0;

    uint32_t final_counts[S_COUNT] = {0}, transitions[S_COUNT] = {0};
    for (int pass = 0; pass < 4; pass++) {
        const char *p = text;
        while (*p) final_counts[scan_token(&p, transitions)]++;
        /* Corrupt every 19th character (CoreMark does similar) and rescan. */
        for (int i = pass; i < pos; i += 19) text[i] ^= (char)(pass == 1 ? 1 : 0x40);
        for (int i = 0; i < pos; i++)
            if (text[i] == 0) text[i] = ',';
    }
    for (int i = 0; i < S_COUNT; i++) {
        crc = crc32v(final_counts[i], crc);
        crc = crc32v(transitions[i], crc);
    }
    return crc;
}

/* --------------------------------------------------------------- run */

/* Entry point: n iterations; returns a checksum of every intermediate CRC. */
int64_t run(int32_t n) {
    uint64_t acc = 0;
    uint16_t crc = 0;
    for (int32_t i = 0; i < n; i++) {
        uint32_t seed = (uint32_t)i * 2654435761u + 1u;
        crc = bench_list(seed, crc);
        crc = bench_matrix(seed, crc);
        crc = bench_state(seed, crc);
        acc = (acc << 7 | acc >> 57) ^ crc;
    }
    return (int64_t)acc;
}
