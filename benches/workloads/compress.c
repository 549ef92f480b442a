/*
 * A compression kernel (written for Baton): LZSS + canonical Huffman.
 *
 * Each round:
 *   1. generates 16 KiB of seeded, text-like input (words, spaces,
 *      punctuation and a sprinkle of random bytes);
 *   2. compresses it with LZSS (4 KiB window, hash chains, lazy-free
 *      greedy parsing, 12-bit offset / 4-bit length tokens);
 *   3. builds a Huffman code over the LZSS output bytes, assigns
 *      canonical codes, bit-packs the stream, then decodes it again;
 *   4. decompresses the LZSS stream and checks it against the input;
 *   5. folds sizes and an Adler-32 of the round trip into the checksum.
 * `run(n)` performs n rounds and returns the checksum (or a negative
 * value if any round-trip check failed).
 *
 * Built freestanding (no libc, no imports); see build.sh.
 */
#include <stdint.h>
#include <stddef.h>

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

#define IN_SIZE 16384
#define WINDOW 4096
#define MIN_MATCH 3
#define MAX_MATCH 18
#define HASH_BITS 12
#define HASH_SIZE (1 << HASH_BITS)
#define MAX_CHAIN 24

static uint8_t input[IN_SIZE];
static uint8_t lz[IN_SIZE + IN_SIZE / 8 + 16];
static uint8_t packed[IN_SIZE * 2];
static uint8_t unpacked[IN_SIZE + IN_SIZE / 8 + 16];
static uint8_t output[IN_SIZE];
static int32_t head[HASH_SIZE];
static int32_t prev_pos[IN_SIZE];

static uint32_t rng;
static uint32_t next_rand(void) {
    rng = rng * 1103515245u + 12345u;
    return rng >> 16;
}

/* ------------------------------------------------------------- input */

static void gen_input(uint32_t seed) {
    static const char *const words[] = {
        "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "wasm",
        "interpreter", "baton", "stack", "register", "dispatch", "handler", "tail",
        "call", "memory", "table", "global", "function", "module", "instance", "value",
        "branch", "loop", "block", "local", "compile", "translate", "execute", "trap",
    };
    rng = seed;
    int pos = 0;
    while (pos < IN_SIZE) {
        uint32_t r = next_rand();
        if ((r & 63) == 0) {
            input[pos++] = (uint8_t)(next_rand() & 0xff); /* noise */
            continue;
        }
        const char *w = words[r & 31];
        while (*w && pos < IN_SIZE) input[pos++] = (uint8_t)*w++;
        if (pos < IN_SIZE) input[pos++] = (r & 0x300) == 0 ? (uint8_t)',' : (uint8_t)' ';
        if ((r & 0x7c00) == 0 && pos < IN_SIZE) input[pos++] = '\n';
    }
}

/* -------------------------------------------------------------- LZSS */

static uint32_t hash3(const uint8_t *p) {
    return ((uint32_t)p[0] << 8 ^ (uint32_t)p[1] << 4 ^ (uint32_t)p[2]) * 2654435761u >> (32 - HASH_BITS);
}

/* Returns the compressed size. Format: a flag byte for every 8 tokens
 * (bit set = match), literal = 1 byte, match = 2 bytes
 * (offset-1 in 12 bits, length-MIN_MATCH in 4 bits). */
static int lzss_compress(const uint8_t *in, int n, uint8_t *out) {
    for (int i = 0; i < HASH_SIZE; i++) head[i] = -1;
    int ip = 0, op = 0, flag_pos = 0, flag_bit = 8;
    while (ip < n) {
        if (flag_bit == 8) {
            flag_pos = op++;
            out[flag_pos] = 0;
            flag_bit = 0;
        }
        int best_len = 0, best_off = 0;
        if (ip + MIN_MATCH <= n) {
            uint32_t h = hash3(in + ip);
            int cand = head[h];
            int chain = MAX_CHAIN;
            int limit = n - ip < MAX_MATCH ? n - ip : MAX_MATCH;
            while (cand >= 0 && ip - cand <= WINDOW && chain-- > 0) {
                if (in[cand + best_len] == in[ip + best_len]) {
                    int len = 0;
                    while (len < limit && in[cand + len] == in[ip + len]) len++;
                    if (len > best_len) {
                        best_len = len;
                        best_off = ip - cand;
                        if (len == limit) break;
                    }
                }
                cand = prev_pos[cand];
            }
            prev_pos[ip] = head[h];
            head[h] = ip;
        }
        if (best_len >= MIN_MATCH) {
            out[flag_pos] |= (uint8_t)(1 << flag_bit);
            uint32_t tok = (uint32_t)(best_off - 1) << 4 | (uint32_t)(best_len - MIN_MATCH);
            out[op++] = (uint8_t)(tok >> 8);
            out[op++] = (uint8_t)tok;
            /* insert the skipped positions into the hash chains */
            for (int k = 1; k < best_len; k++) {
                int p = ip + k;
                if (p + MIN_MATCH <= n) {
                    uint32_t h = hash3(in + p);
                    prev_pos[p] = head[h];
                    head[h] = p;
                }
            }
            ip += best_len;
        } else {
            out[op++] = in[ip++];
        }
        flag_bit++;
    }
    return op;
}

static int lzss_decompress(const uint8_t *in, int n, uint8_t *out, int cap) {
    int ip = 0, op = 0;
    while (ip < n) {
        uint8_t flags = in[ip++];
        for (int bit = 0; bit < 8 && ip < n; bit++) {
            if (flags & (1 << bit)) {
                uint32_t tok = (uint32_t)in[ip] << 8 | in[ip + 1];
                ip += 2;
                int off = (int)(tok >> 4) + 1, len = (int)(tok & 15) + MIN_MATCH;
                if (off > op || op + len > cap) return -1;
                for (int k = 0; k < len; k++, op++) out[op] = out[op - off];
            } else {
                if (op >= cap) return -1;
                out[op++] = in[ip++];
            }
        }
    }
    return op;
}

/* ----------------------------------------------------------- Huffman */

#define SYMS 256
#define MAX_BITS 24
static uint32_t freq[SYMS];
static uint8_t code_len[SYMS];
static uint32_t code[SYMS];

/* Huffman code lengths by repeatedly merging the two lightest nodes
 * (O(n^2) selection: n is only 256 and it is a good branchy workload). */
static void build_lengths(void) {
    static uint32_t weight[2 * SYMS];
    static int16_t parent[2 * SYMS];
    static uint8_t alive[2 * SYMS];
    int nodes = 0;
    for (int s = 0; s < SYMS; s++) {
        weight[s] = freq[s];
        parent[s] = -1;
        alive[s] = freq[s] != 0;
        code_len[s] = 0;
    }
    nodes = SYMS;
    int live = 0;
    for (int s = 0; s < SYMS; s++) live += alive[s];
    if (live == 1) {
        for (int s = 0; s < SYMS; s++)
            if (alive[s]) code_len[s] = 1;
        return;
    }
    while (live > 1) {
        int a = -1, b = -1;
        for (int i = 0; i < nodes; i++) {
            if (!alive[i]) continue;
            if (a < 0 || weight[i] < weight[a]) { b = a; a = i; }
            else if (b < 0 || weight[i] < weight[b]) b = i;
        }
        weight[nodes] = weight[a] + weight[b];
        parent[nodes] = -1;
        alive[nodes] = 1;
        alive[a] = alive[b] = 0;
        parent[a] = parent[b] = (int16_t)nodes;
        nodes++;
        live--;
    }
    for (int s = 0; s < SYMS; s++) {
        if (!freq[s]) continue;
        int d = 0;
        for (int p = s; parent[p] >= 0; p = parent[p]) d++;
        code_len[s] = (uint8_t)(d > MAX_BITS ? MAX_BITS : d);
    }
}

/* Canonical code assignment; returns 0 when the lengths are usable. */
static int assign_codes(void) {
    uint32_t bl_count[MAX_BITS + 1] = {0}, next_code[MAX_BITS + 2];
    for (int s = 0; s < SYMS; s++) bl_count[code_len[s]]++;
    bl_count[0] = 0;
    uint32_t c = 0;
    for (int bits = 1; bits <= MAX_BITS; bits++) {
        c = (c + bl_count[bits - 1]) << 1;
        next_code[bits] = c;
    }
    for (int s = 0; s < SYMS; s++)
        if (code_len[s]) code[s] = next_code[code_len[s]]++;
    return 0;
}

static int huff_encode(const uint8_t *in, int n, uint8_t *out) {
    uint64_t bitbuf = 0;
    int bits = 0, op = 0;
    for (int i = 0; i < n; i++) {
        bitbuf = bitbuf << code_len[in[i]] | code[in[i]];
        bits += code_len[in[i]];
        while (bits >= 8) {
            bits -= 8;
            out[op++] = (uint8_t)(bitbuf >> bits);
        }
    }
    if (bits) out[op++] = (uint8_t)(bitbuf << (8 - bits));
    return op;
}

/* Bit-serial canonical decoding (like a simple inflate "slow path"). */
static int huff_decode(const uint8_t *in, int n_syms, uint8_t *out) {
    static int16_t sorted[SYMS];
    uint32_t count[MAX_BITS + 1] = {0};
    for (int s = 0; s < SYMS; s++) count[code_len[s]]++;
    count[0] = 0;
    uint32_t offs[MAX_BITS + 2];
    offs[1] = 0;
    for (int b = 1; b <= MAX_BITS; b++) offs[b + 1] = offs[b] + count[b];
    for (int s = 0; s < SYMS; s++)
        if (code_len[s]) sorted[offs[code_len[s]]++] = (int16_t)s;
    int bitpos = 0;
    for (int i = 0; i < n_syms; i++) {
        int32_t c = 0, first = 0, index = 0;
        for (int len = 1; len <= MAX_BITS; len++) {
            c |= (in[bitpos >> 3] >> (7 - (bitpos & 7))) & 1;
            bitpos++;
            int32_t cnt = (int32_t)count[len];
            if (c - first < cnt) {
                out[i] = (uint8_t)sorted[index + (c - first)];
                goto next;
            }
            index += cnt;
            first = (first + cnt) << 1;
            c <<= 1;
        }
        return -1;
    next:;
    }
    return n_syms;
}

static uint32_t adler32(const uint8_t *p, int n) {
    uint32_t a = 1, b = 0;
    for (int i = 0; i < n; i++) {
        a = (a + p[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    return b << 16 | a;
}

/* --------------------------------------------------------------- run */

/* Entry point: n rounds; returns a checksum, or -1 - round on a failed check. */
int64_t run(int32_t n) {
    uint64_t acc = 0x243f6a8885a308d3ull;
    for (int32_t r = 0; r < n; r++) {
        gen_input((uint32_t)r * 0x9e3779b9u + 7u);
        int lz_size = lzss_compress(input, IN_SIZE, lz);

        for (int s = 0; s < SYMS; s++) freq[s] = 0;
        for (int i = 0; i < lz_size; i++) freq[lz[i]]++;
        build_lengths();
        assign_codes();
        int packed_size = huff_encode(lz, lz_size, packed);
        if (huff_decode(packed, lz_size, unpacked) != lz_size) return -1 - r;
        for (int i = 0; i < lz_size; i++)
            if (unpacked[i] != lz[i]) return -1 - r;

        int out_size = lzss_decompress(unpacked, lz_size, output, IN_SIZE);
        if (out_size != IN_SIZE) return -1 - r;
        uint32_t a_in = adler32(input, IN_SIZE), a_out = adler32(output, IN_SIZE);
        if (a_in != a_out) return -1 - r;

        acc = (acc ^ (uint64_t)lz_size << 32 ^ (uint64_t)packed_size << 8 ^ a_out) * 0x100000001b3ull;
    }
    return (int64_t)acc;
}
