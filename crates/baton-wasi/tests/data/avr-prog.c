/* A small freestanding C program for Baton's real-program tests: compiled for
   the AVR by GCC's cc1 (a 24 MB Wasm module) at -O2; the assembly it writes
   is compared with what the same compiler writes under Wasmtime. No headers:
   the compiler runs without a sysroot. */
typedef unsigned char u8;
typedef unsigned int u16;
typedef unsigned long u32;
typedef long i32;
typedef long long i64;

#define PORTB (*(volatile u8 *)0x25)
#define PINB (*(volatile u8 *)0x23)

struct point { int x, y; u8 flags; char name[8]; };
static struct point pts[16];
volatile u32 sink;

static const u8 crc_table[16] = {0x00, 0x1d, 0x3a, 0x27, 0x74, 0x69, 0x4e, 0x53,
                                 0xe8, 0xf5, 0xd2, 0xcf, 0x9c, 0x81, 0xa6, 0xbb};

static u8 crc8(const u8 *d, u16 n) {
    u8 c = 0;
    while (n--) {
        c ^= *d++;
        c = (u8)(c << 4) ^ crc_table[c >> 4];
        c = (u8)(c << 4) ^ crc_table[c >> 4];
    }
    return c;
}

static i32 dist(const struct point *p) { return (i32)p->x * p->x + (i32)p->y * p->y; }

static void sort_points(struct point *a, int n) {
    for (int i = 1; i < n; i++) {
        struct point t = a[i];
        int j = i - 1;
        while (j >= 0 && dist(&a[j]) > dist(&t)) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = t;
    }
}

static u32 isqrt(u32 v) {
    u32 r = 0, b = 1UL << 30;
    while (b > v) b >>= 2;
    while (b) {
        if (v >= r + b) { v -= r + b; r = (r >> 1) + b; } else r >>= 1;
        b >>= 2;
    }
    return r;
}

float poly(float x) {
    float s = 0;
    for (u8 i = 0; i < 8; i++) s = s * x + (float)(i + 1) / 3.0f;
    return s;
}

i64 mul64(i64 a, i64 b) { return a * b + (a >> 3) - (b % 7); }

__attribute__((noinline)) u16 fib(u8 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static void name(char *dst, u8 i) {
    const char *s = "pt";
    while (*s) *dst++ = *s++;
    *dst++ = 'a' + (i & 15);
    *dst = 0;
}

u16 checksum(const u8 *p, u16 n, u16 seed) {
    u16 a = seed & 0xff, b = seed >> 8;
    for (u16 i = 0; i < n; i++) {
        a = (a + p[i]) % 251;
        b = (b + a) % 251;
    }
    return (u16)(b << 8) | a;
}

int main(void) {
    for (u8 i = 0; i < 16; i++) {
        pts[i].x = (int)(i * 37 - 200);
        pts[i].y = (int)(300 - i * i * 3);
        pts[i].flags = i & 3;
        name(pts[i].name, i);
    }
    sort_points(pts, 16);
    u8 c = crc8((const u8 *)pts, sizeof pts);
    u16 sum = checksum((const u8 *)pts, sizeof pts, c);
    for (;;) {
        PORTB = c ^ (u8)isqrt(sink) ^ (u8)poly((float)PINB / 7.0f) ^ (u8)fib(PINB & 15) ^ (u8)sum;
        sink += (u32)mul64(sink, PINB);
    }
}
