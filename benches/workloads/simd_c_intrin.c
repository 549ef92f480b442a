/*
 * Hashing and byte statistics with explicit SIMD intrinsics (written for
 * Baton), using clang's <wasm_simd128.h>. Built with -O3 -mcpu=mvp
 * -msimd128; see build.sh.
 *
 * Each round, over a 16 KiB buffer:
 *   1. refills the buffer from four xorshift32 generators, one per
 *      i32x4 lane (shl, shr_u, xor), mixed with the round number;
 *   2. hashes it with a four-lane multiply-rotate hash (murmur3-style
 *      i32x4.mul, rotates built from shl/shr_u/or, xor), then folds the
 *      lanes together with shuffles;
 *   3. byte statistics: population count (i8x16.popcnt, extadd_pairwise
 *      to 16 and 32 bits), a count of bytes above 0xa0 (gt_u, bitmask,
 *      scalar popcount), a character-class count from two nibble tables
 *      (i8x16.swizzle, and, eq, sub as a per-lane counter), and a signed
 *      16-bit dot product of neighbouring blocks (i32x4.dot_i16x8_s,
 *      byte-reversed with i8x16.shuffle);
 *   4. folds everything into the checksum.
 * `run(n)` performs n rounds and returns the checksum.
 *
 * Integer-only, so every engine must agree bit for bit.
 * Built freestanding (no libc, no imports); see build.sh.
 */
#include <stdint.h>
#include <stddef.h>
#include <wasm_simd128.h>

#define BYTES 16384
#define BLOCKS (BYTES / 16)

static v128_t buf[BLOCKS];

static inline v128_t rotl32(v128_t x, int r) {
    return wasm_v128_or(wasm_i32x4_shl(x, r), wasm_u32x4_shr(x, 32 - r));
}

static void refill(uint32_t round) {
    v128_t s = wasm_i32x4_make(0x12345678u ^ round, 0x9abcdef1u + round,
                               0x0badc0deu ^ (round << 7), 0x7f4a7c15u + (round << 3));
    /* xorshift32 never leaves zero: keep every lane nonzero */
    s = wasm_v128_or(s, wasm_i32x4_splat(1));
    for (int i = 0; i < BLOCKS; i++) {
        s = wasm_v128_xor(s, wasm_i32x4_shl(s, 13));
        s = wasm_v128_xor(s, wasm_u32x4_shr(s, 17));
        s = wasm_v128_xor(s, wasm_i32x4_shl(s, 5));
        buf[i] = s;
    }
}

static uint64_t hash(uint32_t seed) {
    const v128_t c1 = wasm_i32x4_splat((int32_t)0xcc9e2d51u);
    const v128_t c2 = wasm_i32x4_splat(0x1b873593);
    const v128_t c3 = wasm_i32x4_splat((int32_t)0xe6546b64u);
    const v128_t five = wasm_i32x4_splat(5);
    v128_t h = wasm_i32x4_make(seed, seed ^ 0x85ebca6bu, seed + 0xc2b2ae35u, ~seed);
    for (int i = 0; i < BLOCKS; i++) {
        v128_t k = wasm_v128_load(&buf[i]);
        k = wasm_i32x4_mul(k, c1);
        k = rotl32(k, 15);
        k = wasm_i32x4_mul(k, c2);
        h = wasm_v128_xor(h, k);
        h = rotl32(h, 13);
        h = wasm_i32x4_add(wasm_i32x4_mul(h, five), c3);
    }
    /* fmix32 on every lane */
    h = wasm_v128_xor(h, wasm_u32x4_shr(h, 16));
    h = wasm_i32x4_mul(h, wasm_i32x4_splat((int32_t)0x85ebca6bu));
    h = wasm_v128_xor(h, wasm_u32x4_shr(h, 13));
    h = wasm_i32x4_mul(h, wasm_i32x4_splat((int32_t)0xc2b2ae35u));
    h = wasm_v128_xor(h, wasm_u32x4_shr(h, 16));
    /* fold lanes: (0^2, 1^3) then combine into 64 bits */
    v128_t f = wasm_v128_xor(h, wasm_i32x4_shuffle(h, h, 2, 3, 0, 1));
    return ((uint64_t)(uint32_t)wasm_i32x4_extract_lane(f, 1) << 32) |
           (uint32_t)wasm_i32x4_extract_lane(f, 0);
}

typedef struct {
    uint32_t popcount, high, classes;
    int64_t dot;
} Stats;

static Stats stats(void) {
    /* class tables: a byte is "in class" when both its low-nibble and
     * high-nibble entries share a bit */
    const v128_t lo_tab = wasm_i8x16_make(1, 2, 4, 8, 3, 5, 9, 6, 10, 12, 7, 11, 13, 14, 15, 0);
    const v128_t hi_tab = wasm_i8x16_make(8, 4, 2, 1, 12, 10, 9, 6, 5, 3, 14, 13, 11, 7, 0, 15);
    const v128_t nib = wasm_i8x16_splat(0x0f);
    const v128_t hi_lim = wasm_i8x16_splat((int8_t)0xa0);
    const v128_t zero = wasm_i8x16_splat(0);
    Stats st = {0, 0, 0, 0};
    v128_t pop = zero, dot = zero;
    v128_t prev = wasm_v128_load(&buf[BLOCKS - 1]);
    for (int i = 0; i < BLOCKS; i += 8) {
        /* per-lane class counters: at most 8 per lane before widening */
        v128_t cls = zero;
        for (int j = 0; j < 8; j++) {
            v128_t b = wasm_v128_load(&buf[i + j]);
            v128_t p16 = wasm_u16x8_extadd_pairwise_u8x16(wasm_i8x16_popcnt(b));
            pop = wasm_i32x4_add(pop, wasm_u32x4_extadd_pairwise_u16x8(p16));
            st.high += (uint32_t)__builtin_popcount(
                (unsigned)wasm_i8x16_bitmask(wasm_u8x16_gt(b, hi_lim)));
            v128_t lo = wasm_i8x16_swizzle(lo_tab, wasm_v128_and(b, nib));
            v128_t hi = wasm_i8x16_swizzle(hi_tab, wasm_u8x16_shr(b, 4));
            v128_t none = wasm_i8x16_eq(wasm_v128_and(lo, hi), zero);
            /* none is 0 or -1 per byte: subtracting its complement counts */
            cls = wasm_i8x16_sub(cls, wasm_v128_not(none));
            v128_t rev = wasm_i8x16_shuffle(prev, prev, 15, 14, 13, 12, 11, 10, 9, 8,
                                            7, 6, 5, 4, 3, 2, 1, 0);
            dot = wasm_i32x4_add(dot, wasm_i32x4_dot_i16x8(b, rev));
            prev = b;
        }
        v128_t c32 = wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(cls));
        st.classes += (uint32_t)(wasm_i32x4_extract_lane(c32, 0) + wasm_i32x4_extract_lane(c32, 1) +
                                 wasm_i32x4_extract_lane(c32, 2) + wasm_i32x4_extract_lane(c32, 3));
        /* the i32 lanes may wrap (Wasm arithmetic: defined, the same on every
         * engine); widen them to 64 bits every 8 blocks */
        v128_t d64 = wasm_i64x2_add(wasm_i64x2_extend_low_i32x4(dot), wasm_i64x2_extend_high_i32x4(dot));
        st.dot += wasm_i64x2_extract_lane(d64, 0) + wasm_i64x2_extract_lane(d64, 1);
        dot = zero;
    }
    st.popcount = (uint32_t)(wasm_i32x4_extract_lane(pop, 0) + wasm_i32x4_extract_lane(pop, 1) +
                             wasm_i32x4_extract_lane(pop, 2) + wasm_i32x4_extract_lane(pop, 3));
    return st;
}

long long run(int n) {
    uint64_t acc = 0xcbf29ce484222325ull;
    for (int r = 0; r < n; r++) {
        refill((uint32_t)r);
        uint64_t h = hash((uint32_t)r * 0x9e3779b9u);
        Stats st = stats();
        acc = (acc ^ h) * 0x100000001b3ull;
        acc = (acc ^ st.popcount) * 0x100000001b3ull;
        acc = (acc ^ st.high) * 0x100000001b3ull;
        acc = (acc ^ st.classes) * 0x100000001b3ull;
        acc = (acc ^ (uint64_t)st.dot) * 0x100000001b3ull;
        acc ^= acc >> 31;
    }
    return (long long)acc;
}
