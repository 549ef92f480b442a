/*
 * Auto-vectorised image kernels (written for Baton), plain C: no
 * intrinsics, no vector types. Built twice from this one source (see
 * build.sh):
 *
 *   simd_c_auto.wasm    -O3 -mcpu=mvp -msimd128   clang's loop and SLP
 *                       vectorisers emit v128 code
 *   c_auto_scalar.wasm  -O3 -mcpu=mvp             the same loops, scalar
 *
 * Both builds compute the same checksum: nothing here depends on the
 * order of floating-point additions (the float dot product keeps eight
 * explicit partial sums, which the vectoriser maps onto the lanes of two
 * f32x4 accumulators without reassociating anything; no -ffast-math).
 *
 * Each round, over a 128x64 byte image:
 *   1. perturbs image A with a round-dependent xor and a byte add;
 *   2. blends A and B with a round-dependent alpha (16-bit lanes);
 *   3. adds A/2 to the blend with unsigned saturation;
 *   4. 3x3 box blur (horizontal 16-bit row sums, vertical sum, divide
 *      by about 9 as a 16-bit multiply-shift, * 7 / 64);
 *   5. min/max clamp of the blurred image into a range that moves;
 *   6. converts the blurred bytes to float and takes a dot product with
 *      a weight table;
 *   7. folds a byte sum, the clamped image's sum and the dot product's
 *      bits into the checksum.
 * `run(n)` performs n rounds and returns the checksum.
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

#define W 128
#define H 64
#define N (W * H)

static uint8_t img_a[N], img_b[N], blend[N], blur[N], clamp[N];
static uint16_t rows[N];
static float weights[N], fblur[N];

static uint32_t seed;
static uint32_t rnd(void) {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
}

static void init(void) {
    seed = 12345;
    for (int i = 0; i < N; i++) {
        img_a[i] = (uint8_t)rnd();
        img_b[i] = (uint8_t)(rnd() >> 3);
        weights[i] = (float)(int)(rnd() & 1023) * (1.0f / 512.0f) - 1.0f;
    }
}

static void perturb(uint8_t x, uint8_t y) {
    for (int i = 0; i < N; i++) {
        uint8_t v = img_a[i] ^ x;
        v += img_b[i] >> 2;
        img_a[i] = (uint8_t)(v + y);
    }
}

static void do_blend(uint16_t alpha) {
    uint16_t beta = (uint16_t)(256u - alpha);
    for (int i = 0; i < N; i++) {
        /* at most 255 * 256 + 128: the 16-bit truncation loses nothing */
        uint16_t a = img_a[i], b = img_b[i];
        uint16_t t = (uint16_t)(a * alpha);
        t = (uint16_t)(t + (uint16_t)(b * beta));
        t = (uint16_t)(t + 128u);
        uint16_t s = (uint16_t)((t >> 8) + (a >> 1));
        blend[i] = s > 255 ? 255 : (uint8_t)s;
    }
}

static void box_blur(void) {
    for (int y = 0; y < H; y++) {
        const uint8_t *s = &blend[y * W];
        uint16_t *o = &rows[y * W];
        o[0] = (uint16_t)(s[0] * 2 + s[1]);
        for (int x = 1; x < W - 1; x++)
            o[x] = (uint16_t)(s[x - 1] + s[x] + s[x + 1]);
        o[W - 1] = (uint16_t)(s[W - 2] + s[W - 1] * 2);
    }
    for (int y = 0; y < H; y++) {
        const uint16_t *up = &rows[(y == 0 ? 0 : y - 1) * W];
        const uint16_t *mid = &rows[y * W];
        const uint16_t *dn = &rows[(y == H - 1 ? y : y + 1) * W];
        uint8_t *o = &blur[y * W];
        for (int x = 0; x < W; x++) {
            /* sum <= 9 * 255, so sum * 7 + 32 fits 16 bits; * 7 / 64 ~ / 9 */
            uint16_t sum = (uint16_t)(up[x] + mid[x] + dn[x]);
            o[x] = (uint8_t)((uint16_t)(sum * 7 + 32) >> 6);
        }
    }
}

static uint32_t clamp_sum(uint8_t lo, uint8_t hi) {
    uint32_t total = 0;
    for (int i = 0; i < N; i++) {
        uint8_t v = blur[i];
        v = v < lo ? lo : v;
        v = v > hi ? hi : v;
        clamp[i] = v;
        total += v;
    }
    return total;
}

static float dot(void) {
    for (int i = 0; i < N; i++) fblur[i] = (float)(int)blur[i];
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < N; i += 8)
        for (int j = 0; j < 8; j++)
            acc[j] += fblur[i + j] * weights[i + j];
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

static uint32_t byte_sum(const uint8_t *p) {
    uint32_t total = 0;
    for (int i = 0; i < N; i++) total += p[i];
    return total;
}

long long run(int n) {
    init();
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (int r = 0; r < n; r++) {
        perturb((uint8_t)(r * 37), (uint8_t)(r >> 1));
        do_blend((uint16_t)((r * 29) & 255));
        box_blur();
        uint32_t c = clamp_sum((uint8_t)(16 + (r & 31)), (uint8_t)(200 + (r & 15)));
        float d = dot();
        uint32_t bits;
        memcpy(&bits, &d, 4);
        h = (h ^ byte_sum(blend)) * 0x100000001b3ull;
        h = (h ^ c) * 0x100000001b3ull;
        h = (h ^ bits) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    return (long long)h;
}
