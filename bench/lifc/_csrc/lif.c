// The clang baseline of bench/lifc: the LIF forward kernel that snnc
// generates for ../../models/lif1024.snn.json (Norse's default LIF
// parameters, dt = 0.001 s, after constant folding), written as plain C
// for clang to vectorize. `make baseline-c` compiles it with Debian clang
// -O3 -mavx2 -mfma -ffp-contract=off and converts it to Go assembly with
// c2goasm (../lif_amd64.s).
//
// lif_step performs the float32 operations of the generated lifForward in
// the same order (v4 .. v19 are its values), with no FMA contraction, so
// both kernels below give, bit for bit, what the plain-Go kernel and the
// float32 interpreter give. They differ only in the order they visit
// neurons and time steps:
//
//   - lif_fwd is the natural loop: t outer, all B·N neurons of a time step
//     inner, one contiguous stream per array; the states stay in L2/L3.
//   - lif_fwd_tiled is the loop of the generated kernels: per batch entry,
//     tiles of LANE_TILE neurons whose states stay in L1 while t runs over
//     all T steps.
//
// c2goasm's limits shape the code: arguments are 64-bit integers and
// pointers only, each function has one exit (c2goasm cuts it at the first
// ret), and nothing is called (lif_step is always inlined).

#include <stdint.h>

// LANE_TILE is the generated kernels' laneTile: neurons per tile.
#define LANE_TILE 256

// lif_step runs one neuron for one time step on the input current x: it
// updates the membrane voltage *v and the synaptic current *i and returns
// the spike, 0 or 1.
static inline __attribute__((always_inline)) float lif_step(float x, float *v, float *i)
{
    float v1 = x;
    float v2 = *v;
    float v3 = *i;
    float v4 = v3 + v1;                   // i + x
    float v6 = 0.0f - v2;                 // v_leak - v
    float v7 = v6 + v4;
    float v9 = v7 * 0.1f;                 // · dt·tau_mem_inv
    float v10 = v2 + v9;                  // v decayed
    float v12 = v4 * -0.2f;               // · -dt·tau_syn_inv
    float v13 = v4 + v12;                 // i decayed
    float v15 = v10 - 1.0f;               // v - v_th
    float v16 = v15 > 0.0f ? 1.0f : 0.0f; // spike
    float v17 = 1.0f - v16;
    float v18 = v17 * v10;
    float v19 = v18 + 0.0f;               // + spike·v_reset (v_reset = 0)
    *v = v19;
    *i = v13;
    return v16;
}

// lif_fwd runs N LIF neurons of B batch entries over T time steps. x (the
// input currents) and z (the spikes written) are [T][B][N]; v and i (the
// membrane voltage and synaptic current) are [B][N], read at the start and
// updated in place. The four arrays must not overlap.
void lif_fwd(int64_t T, int64_t B, int64_t N, const float *restrict x,
             float *restrict z, float *restrict v, float *restrict i)
{
    int64_t L = B * N;
    for (int64_t t = 0; t < T; t++) {
        const float *restrict xt = x + t * L;
        float *restrict zt = z + t * L;
        for (int64_t n = 0; n < L; n++) {
            zt[n] = lif_step(xt[n], &v[n], &i[n]);
        }
    }
}

// lif_fwd_tiled is lif_fwd over tiles of LANE_TILE neurons, as the
// generated kernels run: the same arguments and results.
void lif_fwd_tiled(int64_t T, int64_t B, int64_t N, const float *restrict x,
                   float *restrict z, float *restrict v, float *restrict i)
{
    for (int64_t b = 0; b < B; b++) {
        float *restrict vb = v + b * N;
        float *restrict ib = i + b * N;
        for (int64_t n0 = 0; n0 < N; n0 += LANE_TILE) {
            int64_t n1 = n0 + LANE_TILE < N ? n0 + LANE_TILE : N;
            for (int64_t t = 0; t < T; t++) {
                const float *restrict xr = x + (t * B + b) * N;
                float *restrict zr = z + (t * B + b) * N;
                for (int64_t n = n0; n < n1; n++) {
                    zr[n] = lif_step(xr[n], &vb[n], &ib[n]);
                }
            }
        }
    }
}
