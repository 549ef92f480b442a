// Float-heavy kernels whose loops are decided by float comparisons: the
// Mandelbrot set in f64 and a Julia set in f32 (escape-time iteration, the
// loop test `zr*zr + zi*zi <= 4`), and Newton's square root run until the
// step is below a tolerance. The result mixes every iteration count, so all
// engines must take every branch the same way.
//
// Built like the other C workloads (benches/workloads/build.sh): freestanding
// wasm32, -mcpu=mvp -O2, exporting run(n) -> i64.

typedef unsigned long long u64;

static int mandelbrot(double cr, double ci, int max) {
    double zr = 0.0, zi = 0.0;
    int it = 0;
    while (it < max && zr * zr + zi * zi <= 4.0) {
        double t = zr * zr - zi * zi + cr;
        zi = 2.0 * zr * zi + ci;
        zr = t;
        it++;
    }
    return it;
}

static int julia(float zr, float zi, float cr, float ci, int max) {
    int it = 0;
    while (it < max) {
        float rr = zr * zr, ii = zi * zi;
        if (rr + ii > 4.0f) break;
        zi = 2.0f * zr * zi + ci;
        zr = rr - ii + cr;
        it++;
    }
    return it;
}

static double newton_sqrt(double a, int *steps) {
    double x = a > 1.0 ? a : 1.0;
    for (;;) {
        double next = 0.5 * (x + a / x);
        double d = next - x;
        x = next;
        ++*steps;
        if (!(__builtin_fabs(d) > 1e-12 * x)) break;
    }
    return x;
}

__attribute__((export_name("run")))
u64 run(int n) {
    u64 h = 1469598103934665603ull;
    const int w = 48;
    for (int round = 0; round < n; round++) {
        double shift = round * 1e-3;
        for (int py = 0; py < w; py++) {
            double ci = -1.2 + 2.4 * py / w + shift;
            for (int px = 0; px < w; px++) {
                double cr = -2.1 + 2.8 * px / w;
                h = (h ^ (u64)mandelbrot(cr, ci, 96)) * 1099511628211ull;
                float jr = -1.6f + 3.2f * (float)px / w;
                float ji = -1.2f + 2.4f * (float)py / w;
                h = (h ^ (u64)julia(jr, ji, -0.8f + (float)shift, 0.156f, 64)) * 1099511628211ull;
            }
        }
        int steps = 0;
        double s = 0.0;
        for (int k = 1; k <= 64; k++) s += newton_sqrt(k * 37.5 + round, &steps);
        h = (h ^ (u64)steps) * 1099511628211ull;
        union { double d; u64 u; } bits = { s };
        h ^= bits.u;
    }
    return h;
}
