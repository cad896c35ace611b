/*
 * Attention Lab's fused CPU kernels for TensorFlow, registered through TensorFlow's C API for
 * custom ops (tensorflow/c/ops.h, tensorflow/c/kernels.h) and called like any TensorFlow op by
 * the native backend (src/engine/fusedKernels.ts). Each one does in one pass over memory what
 * the model's LayerNorm and GELU (with their hand-written gradients) and the AdamW, Lion and Tiger
 * rules otherwise do in 6 to 21 TensorFlow ops, each a full pass and a ~20 µs eager dispatch
 * (docs/benchmarks.md, session 7):
 *
 *   AttentionLabLayerNorm      x [N, D], gain [D], bias [D]          → y, normed [N, D], rstd [N]
 *   AttentionLabLayerNormGrad  dy, normed [N, D], rstd [N], gain [D] → dx [N, D], dgain, dbias [D]
 *   AttentionLabGelu           x                                     → y, s      (s = σ(2u))
 *   AttentionLabGeluGrad       dy, x, s                              → dx
 *   AttentionLabAdamW          theta, m, v, grad, hyper [7]          → theta', m', v'
 *   AttentionLabLion           theta, m, grad, hyper [6]             → theta', m'
 *   AttentionLabTiger          theta, m, grad, hyper [4]; attr group → theta', m'
 *
 * The formulas are those of src/engine/model/layerNorm.ts, gelu.ts, optim/adamw.ts, lion.ts and
 * tiger.ts, in the same order of float32 operations. Built by the native setup
 * (src/core/native/fusedKernelsBuild.ts) with -ffp-contract=off, so no multiply-add is fused:
 * AdamW and Lion give bit for bit what their unfused TensorFlow ops give. LayerNorm's row sums,
 * GELU's exponential and Tiger's RMS sums are computed differently from TensorFlow's kernels
 * (tolerances in test/backends/fusedKernels.test.ts).
 *
 * The library is loaded by Node (process.dlopen) as an N-API module that exports nothing:
 * napi_register_module_v1 registers the ops and kernels once per process.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensorflow/c/kernels.h"
/* ops.h names its types as C++ does; C needs the typedefs first. */
typedef struct TF_DimensionHandle TF_DimensionHandle;
typedef struct TF_OpDefinitionBuilder TF_OpDefinitionBuilder;
typedef struct TF_ShapeHandle TF_ShapeHandle;
typedef struct TF_ShapeInferenceContext TF_ShapeInferenceContext;
#include "tensorflow/c/ops.h"
#include "tensorflow/c/tf_status.h"
#include "tensorflow/c/tf_tensor.h"

/* Bumped with every change to an op's inputs, outputs or meaning; the file name carries it. */
#define AL_KERNELS_VERSION 3

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
/* One build runs on every x86-64 CPU: the loops are compiled per instruction set and the best
 * one is chosen when the library loads (a shared cache may serve machines with other CPUs). */
#define AL_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define AL_CLONES
#endif

#define AL_EXPORT __attribute__((visibility("default")))

/* ---------------------------------------------------------------- the arithmetic */

/* Partial sums in 16 lanes, so the compiler can vectorize a row reduction. */
#define LANES 16

static inline float row_sum(const float *x, int64_t d) {
  float acc[LANES] = {0};
  int64_t j = 0;
  for (; j + LANES <= d; j += LANES)
    for (int k = 0; k < LANES; k++) acc[k] += x[j + k];
  float s = 0.f;
  for (int k = 0; k < LANES; k++) s += acc[k];
  for (; j < d; j++) s += x[j];
  return s;
}

/* Σ x² over d entries, in the same 16 lanes. */
static inline float row_sum_squares(const float *x, int64_t d) {
  float acc[LANES] = {0};
  int64_t j = 0;
  for (; j + LANES <= d; j += LANES)
    for (int k = 0; k < LANES; k++) acc[k] += x[j + k] * x[j + k];
  float s = 0.f;
  for (int k = 0; k < LANES; k++) s += acc[k];
  for (; j < d; j++) s += x[j] * x[j];
  return s;
}

AL_CLONES
static void layer_norm(const float *x, const float *gain, const float *bias, float eps, int64_t n, int64_t d, float *y,
                       float *normed, float *rstd) {
  const float inv_d = 1.0f / (float)d;
  for (int64_t i = 0; i < n; i++) {
    const float *xi = x + i * d;
    float *ni = normed + i * d;
    float *yi = y + i * d;
    const float mean = row_sum(xi, d) * inv_d;
    for (int64_t j = 0; j < d; j++) ni[j] = xi[j] - mean; /* centered, for now */
    const float var = row_sum_squares(ni, d) * inv_d;
    const float r = 1.0f / sqrtf(var + eps);
    rstd[i] = r;
    for (int64_t k = 0; k < d; k++) {
      const float nk = ni[k] * r;
      ni[k] = nk;
      yi[k] = nk * gain[k] + bias[k];
    }
  }
}

AL_CLONES
static void layer_norm_grad(const float *dy, const float *normed, const float *rstd, const float *gain, int64_t n, int64_t d,
                            float *dx, float *dgain, float *dbias) {
  const float inv_d = 1.0f / (float)d;
  for (int64_t k = 0; k < d; k++) dgain[k] = dbias[k] = 0.f;
  for (int64_t i = 0; i < n; i++) {
    const float *dyi = dy + i * d;
    const float *ni = normed + i * d;
    float *dxi = dx + i * d;
    float a1[LANES] = {0}, a2[LANES] = {0};
    int64_t j = 0;
    for (; j + LANES <= d; j += LANES)
      for (int k = 0; k < LANES; k++) {
        const float dn = dyi[j + k] * gain[j + k];
        a1[k] += dn;
        a2[k] += dn * ni[j + k];
      }
    float s1 = 0.f, s2 = 0.f;
    for (int k = 0; k < LANES; k++) {
      s1 += a1[k];
      s2 += a2[k];
    }
    for (; j < d; j++) {
      const float dn = dyi[j] * gain[j];
      s1 += dn;
      s2 += dn * ni[j];
    }
    const float mean_d = s1 * inv_d;
    const float mean_dn = s2 * inv_d;
    const float r = rstd[i];
    for (int64_t k = 0; k < d; k++) {
      const float dn = dyi[k] * gain[k];
      dxi[k] = ((dn - mean_d) - ni[k] * mean_dn) * r;
      dgain[k] += dyi[k] * ni[k];
      dbias[k] += dyi[k];
    }
  }
}

/* e^x for float32 in plain arithmetic the compiler vectorizes: x = k·ln 2 + r, |r| ≤ ln2/2,
 * e^r by its degree-6 Taylor polynomial (relative error < 2e-7), 2^k put into the exponent bits. */
static inline float exp_approx(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  const float shifter = 12582912.0f; /* 1.5·2^23: adding it rounds to an integer */
  const float kf = (x * 1.44269504088896341f + shifter) - shifter;
  const float r = (x - kf * 0.693145751953125f) - kf * 1.428606765330187045e-06f;
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = ((int32_t)kf + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

#define GELU_C 0.7978845608028654f  /* √(2/π) */
#define GELU_A 0.044715f

/* y = x·σ(2u), 2u = x·(2C + 2CA·x²) (gelu.ts). */
AL_CLONES
static void gelu(const float *x, int64_t n, float *y, float *s) {
  const float c2 = 2.0f * GELU_C, ca2 = 2.0f * GELU_C * GELU_A;
  for (int64_t i = 0; i < n; i++) {
    const float xi = x[i];
    const float z = xi * ((xi * xi) * ca2 + c2);
    const float si = 1.0f / (1.0f + exp_approx(-z));
    s[i] = si;
    y[i] = xi * si;
  }
}

/* dx = dy·(s + y·(1 − s)·(2C + 6CA·x²)) (gelu.ts). */
AL_CLONES
static void gelu_grad(const float *dy, const float *x, const float *s, int64_t n, float *dx) {
  const float c2 = 2.0f * GELU_C, ca6 = 6.0f * GELU_C * GELU_A;
  for (int64_t i = 0; i < n; i++) {
    const float xi = x[i], si = s[i];
    const float du = (xi * xi) * ca6 + c2;
    const float dydx = si + ((xi * si) * (1.0f - si)) * du;
    dx[i] = dy[i] * dydx;
  }
}

/* hyper = [β1, (1 − β1)·c, β2, (1 − β2)·c², 1 − ηλ, ε·√(1 − β2ᵗ), η·√(1 − β2ᵗ)/(1 − β1ᵗ)] (adamw.ts). */
AL_CLONES
static void adamw(const float *theta, const float *m, const float *v, const float *g, const float *h, int64_t n, float *theta1,
                  float *m1, float *v1) {
  const float b1 = h[0], omb1 = h[1], b2 = h[2], omb2 = h[3], decay = h[4], eps_hat = h[5], step = h[6];
  for (int64_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = m[i] * b1 + gi * omb1;
    const float vi = v[i] * b2 + (gi * gi) * omb2;
    m1[i] = mi;
    v1[i] = vi;
    theta1[i] = theta[i] * decay - (mi / (sqrtf(vi) + eps_hat)) * step;
  }
}

/* TensorFlow's Sign: ±1, 0 for ±0 (as +0), NaN for NaN. */
static inline float sign_of(float x) { return x > 0.f ? 1.f : (x < 0.f ? -1.f : (x == x ? 0.f : x)); }

/* hyper = [β1, (1 − β1)·c, β2, (1 − β2)·c, η, 1 − ηλ] (lion.ts). */
AL_CLONES
static void lion(const float *theta, const float *m, const float *g, const float *h, int64_t n, float *theta1, float *m1) {
  const float b1 = h[0], omb1 = h[1], b2 = h[2], omb2 = h[3], lr = h[4], decay = h[5];
  for (int64_t i = 0; i < n; i++) {
    const float gi = g[i], mi = m[i];
    const float direction = sign_of(mi * b1 + gi * omb1);
    theta1[i] = theta[i] * decay - direction * lr;
    m1[i] = mi * b2 + gi * omb2;
  }
}

/*
 * Tiger's step for a finite gradient (tiger.ts), hyper = [b1, b2, η, λ]:
 *   m' = b1·m + b2·g;  θ' = θ − (sign(m') + λθ)·η·RMS(θ)   with RMS over consecutive groups of
 * `group` entries (a whole matrix, one matrix of a stacked group, or an embedding row); group 0:
 * θ' = θ − sign(m')·η (biases and LayerNorm parameters, η being their half step, λ unused).
 */
AL_CLONES
static void tiger(const float *theta, const float *m, const float *g, const float *h, int64_t n, int64_t group, float *theta1,
                  float *m1) {
  const float b1 = h[0], b2 = h[1], lr = h[2], wd = h[3];
  for (int64_t i = 0; i < n; i++) m1[i] = m[i] * b1 + g[i] * b2;
  if (group == 0) {
    for (int64_t i = 0; i < n; i++) theta1[i] = theta[i] - sign_of(m1[i]) * lr;
    return;
  }
  for (int64_t start = 0; start < n; start += group) {
    const float *t = theta + start;
    const float step = sqrtf(row_sum_squares(t, group) / (float)group) * lr;
    for (int64_t k = 0; k < group; k++) {
      const float direction = wd != 0.f ? sign_of(m1[start + k]) + t[k] * wd : sign_of(m1[start + k]);
      theta1[start + k] = t[k] - direction * step;
    }
  }
}

/* ---------------------------------------------------------------- TensorFlow's side */

static float *data(TF_Tensor *t) { return (float *)TF_TensorData(t); }

static int same_shape(const TF_Tensor *a, const TF_Tensor *b) {
  if (TF_NumDims(a) != TF_NumDims(b)) return 0;
  for (int i = 0; i < TF_NumDims(a); i++)
    if (TF_Dim(a, i) != TF_Dim(b, i)) return 0;
  return 1;
}

#define MAX_RANK 16
#define MAX_HELD 8

/* One kernel call: the tensors it holds (deleted at the end) and its status (a failure at the end). */
typedef struct {
  TF_Tensor *t[MAX_HELD];
  int n;
  TF_Status *st;
  TF_OpKernelContext *ctx;
} Call;

static void call_begin(Call *c, TF_OpKernelContext *ctx) {
  c->n = 0;
  c->st = TF_NewStatus();
  c->ctx = ctx;
}

static void call_fail(Call *c, const char *op, const char *what) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", op, what);
  TF_SetStatus(c->st, TF_INVALID_ARGUMENT, message);
}

static void call_end(Call *c) {
  if (TF_GetCode(c->st) != TF_OK) TF_OpKernelContext_Failure(c->ctx, c->st);
  for (int i = 0; i < c->n; i++) TF_DeleteTensor(c->t[i]);
  TF_DeleteStatus(c->st);
}

/* Inputs 0 … count − 1 into `in`; false (the failure recorded) when one is missing. */
static int inputs(Call *c, int count, TF_Tensor **in) {
  for (int i = 0; i < count; i++) {
    in[i] = NULL;
    TF_GetInput(c->ctx, i, &in[i], c->st);
    if (TF_GetCode(c->st) != TF_OK || !in[i]) return 0;
    c->t[c->n++] = in[i];
  }
  return 1;
}

/* Outputs 0 … count − 1, each of `dims[i]` (rank `ranks[i]`); false when one could not be allocated. */
static int outputs(Call *c, int count, const int64_t *const *dims, const int *ranks, TF_Tensor **out) {
  for (int i = 0; i < count; i++) {
    int64_t size = 1;
    for (int k = 0; k < ranks[i]; k++) size *= dims[i][k];
    out[i] = TF_AllocateOutput(c->ctx, i, TF_FLOAT, dims[i], ranks[i], (size_t)size * sizeof(float), c->st);
    if (TF_GetCode(c->st) != TF_OK || !out[i]) return 0;
    c->t[c->n++] = out[i];
  }
  return 1;
}

/*
 * The elementwise ops (GELU and its gradient, the optimizer updates): inputs 0 … same − 1 of one
 * shape (`names` for the message), then, when hyper > 0, one input of that many numbers; `count`
 * outputs of the shared shape. False (the failure recorded) when the inputs do not fit.
 */
static int elementwise(Call *c, const char *op, const char *names, int same, int64_t hyper, TF_Tensor **in, int count, TF_Tensor **out) {
  if (!inputs(c, same + (hyper > 0 ? 1 : 0), in)) return 0;
  if (TF_NumDims(in[0]) > MAX_RANK) {
    call_fail(c, op, "rank above 16");
    return 0;
  }
  for (int i = 1; i < same; i++) {
    if (!same_shape(in[0], in[i])) {
      char what[128];
      snprintf(what, sizeof what, "%s must have one shape", names);
      call_fail(c, op, what);
      return 0;
    }
  }
  if (hyper > 0 && TF_TensorElementCount(in[same]) != hyper) {
    char what[64];
    snprintf(what, sizeof what, "hyper must hold %lld numbers", (long long)hyper);
    call_fail(c, op, what);
    return 0;
  }
  int64_t dims[MAX_RANK];
  for (int i = 0; i < TF_NumDims(in[0]); i++) dims[i] = TF_Dim(in[0], i);
  const int64_t *d[4] = {dims, dims, dims, dims};
  const int r[4] = {TF_NumDims(in[0]), TF_NumDims(in[0]), TF_NumDims(in[0]), TF_NumDims(in[0])};
  return outputs(c, count, d, r, out);
}

/* A kernel's one attribute, read when TensorFlow builds it (kept per attribute value). */
typedef struct {
  float f;
  int64_t i;
} KernelAttr;

static void *create_with_attr(TF_OpKernelConstruction *ctx, const char *name, int is_int) {
  KernelAttr *k = (KernelAttr *)calloc(1, sizeof *k);
  TF_Status *st = TF_NewStatus();
  if (is_int) TF_OpKernelConstruction_GetAttrInt64(ctx, name, &k->i, st);
  else TF_OpKernelConstruction_GetAttrFloat(ctx, name, &k->f, st);
  if (TF_GetCode(st) != TF_OK) TF_OpKernelConstruction_Failure(ctx, st);
  TF_DeleteStatus(st);
  return k;
}

static void *layer_norm_create(TF_OpKernelConstruction *ctx) { return create_with_attr(ctx, "epsilon", 0); }
static void *tiger_create(TF_OpKernelConstruction *ctx) { return create_with_attr(ctx, "group", 1); }
static void kernel_delete(void *k) { free(k); }

static void layer_norm_compute(void *kernel, TF_OpKernelContext *ctx) {
  Call c;
  call_begin(&c, ctx);
  TF_Tensor *in[3], *out[3];
  if (inputs(&c, 3, in)) {
    TF_Tensor *x = in[0], *g = in[1], *b = in[2];
    if (TF_NumDims(x) != 2 || TF_NumDims(g) != 1 || TF_NumDims(b) != 1 || TF_Dim(g, 0) != TF_Dim(x, 1) || TF_Dim(b, 0) != TF_Dim(x, 1)) {
      call_fail(&c, "AttentionLabLayerNorm", "x must be [N, D], gain and bias [D]");
    } else {
      const int64_t n = TF_Dim(x, 0), d = TF_Dim(x, 1), nd[2] = {n, d};
      const int64_t *dims[3] = {nd, nd, nd};
      const int ranks[3] = {2, 2, 1};
      if (outputs(&c, 3, dims, ranks, out))
        layer_norm(data(x), data(g), data(b), ((KernelAttr *)kernel)->f, n, d, data(out[0]), data(out[1]), data(out[2]));
    }
  }
  call_end(&c);
}

static void layer_norm_grad_compute(void *kernel, TF_OpKernelContext *ctx) {
  (void)kernel;
  Call c;
  call_begin(&c, ctx);
  TF_Tensor *in[4], *out[3];
  if (inputs(&c, 4, in)) {
    TF_Tensor *dy = in[0], *normed = in[1], *rstd = in[2], *g = in[3];
    if (TF_NumDims(dy) != 2 || !same_shape(dy, normed) || TF_NumDims(rstd) != 1 || TF_Dim(rstd, 0) != TF_Dim(dy, 0) ||
        TF_NumDims(g) != 1 || TF_Dim(g, 0) != TF_Dim(dy, 1)) {
      call_fail(&c, "AttentionLabLayerNormGrad", "dy and normed must be [N, D], rstd [N], gain [D]");
    } else {
      const int64_t n = TF_Dim(dy, 0), d = TF_Dim(dy, 1), nd[2] = {n, d};
      const int64_t *dims[3] = {nd, nd + 1, nd + 1};
      const int ranks[3] = {2, 1, 1};
      if (outputs(&c, 3, dims, ranks, out))
        layer_norm_grad(data(dy), data(normed), data(rstd), data(g), n, d, data(out[0]), data(out[1]), data(out[2]));
    }
  }
  call_end(&c);
}

static void gelu_compute(void *kernel, TF_OpKernelContext *ctx) {
  (void)kernel;
  Call c;
  call_begin(&c, ctx);
  TF_Tensor *in[1], *out[2];
  if (elementwise(&c, "AttentionLabGelu", "x", 1, 0, in, 2, out)) gelu(data(in[0]), TF_TensorElementCount(in[0]), data(out[0]), data(out[1]));
  call_end(&c);
}

static void gelu_grad_compute(void *kernel, TF_OpKernelContext *ctx) {
  (void)kernel;
  Call c;
  call_begin(&c, ctx);
  TF_Tensor *in[3], *out[1];
  if (elementwise(&c, "AttentionLabGeluGrad", "dy, x and s", 3, 0, in, 1, out))
    gelu_grad(data(in[0]), data(in[1]), data(in[2]), TF_TensorElementCount(in[0]), data(out[0]));
  call_end(&c);
}

static void adamw_compute(void *kernel, TF_OpKernelContext *ctx) {
  (void)kernel;
  Call c;
  call_begin(&c, ctx);
  TF_Tensor *in[5], *out[3];
  if (elementwise(&c, "AttentionLabAdamW", "theta, m, v and grad", 4, 7, in, 3, out))
    adamw(data(in[0]), data(in[1]), data(in[2]), data(in[3]), data(in[4]), TF_TensorElementCount(in[0]), data(out[0]), data(out[1]), data(out[2]));
  call_end(&c);
}

static void lion_compute(void *kernel, TF_OpKernelContext *ctx) {
  (void)kernel;
  Call c;
  call_begin(&c, ctx);
  TF_Tensor *in[4], *out[2];
  if (elementwise(&c, "AttentionLabLion", "theta, m and grad", 3, 6, in, 2, out))
    lion(data(in[0]), data(in[1]), data(in[2]), data(in[3]), TF_TensorElementCount(in[0]), data(out[0]), data(out[1]));
  call_end(&c);
}

static void tiger_compute(void *kernel, TF_OpKernelContext *ctx) {
  const int64_t group = ((KernelAttr *)kernel)->i;
  Call c;
  call_begin(&c, ctx);
  TF_Tensor *in[4], *out[2];
  if (elementwise(&c, "AttentionLabTiger", "theta, m and grad", 3, 4, in, 2, out)) {
    const int64_t n = TF_TensorElementCount(in[0]);
    if (group < 0 || (group > 0 && n % group != 0)) call_fail(&c, "AttentionLabTiger", "group must divide the number of entries");
    else tiger(data(in[0]), data(in[1]), data(in[2]), data(in[3]), n, group, data(out[0]), data(out[1]));
  }
  call_end(&c);
}

/* ---------------------------------------------------------------- registration */

typedef struct {
  const char *name;
  const char *attrs[2];
  const char *inputs[6];
  const char *outputs[4];
  void *(*create)(TF_OpKernelConstruction *);
  void (*compute)(void *, TF_OpKernelContext *);
} OpSpec;

static void *no_state(TF_OpKernelConstruction *ctx) {
  (void)ctx;
  return NULL;
}
static void no_delete(void *k) { (void)k; }

static const OpSpec OPS[] = {
    {"AttentionLabLayerNorm", {"epsilon: float"}, {"x: float", "gain: float", "bias: float"}, {"y: float", "normed: float", "rstd: float"},
     layer_norm_create, layer_norm_compute},
    {"AttentionLabLayerNormGrad", {0}, {"dy: float", "normed: float", "rstd: float", "gain: float"}, {"dx: float", "dgain: float", "dbias: float"},
     no_state, layer_norm_grad_compute},
    {"AttentionLabGelu", {0}, {"x: float"}, {"y: float", "s: float"}, no_state, gelu_compute},
    {"AttentionLabGeluGrad", {0}, {"dy: float", "x: float", "s: float"}, {"dx: float"}, no_state, gelu_grad_compute},
    {"AttentionLabAdamW", {0}, {"theta: float", "m: float", "v: float", "grad: float", "hyper: float"}, {"theta_out: float", "m_out: float", "v_out: float"},
     no_state, adamw_compute},
    {"AttentionLabTiger", {"group: int"}, {"theta: float", "m: float", "grad: float", "hyper: float"}, {"theta_out: float", "m_out: float"}, tiger_create,
     tiger_compute},
    {"AttentionLabLion", {0}, {"theta: float", "m: float", "grad: float", "hyper: float"}, {"theta_out: float", "m_out: float"}, no_state, lion_compute},
};

static int registered = 0;

/* Registers the ops once per process; 0 when done, else the TensorFlow status code. */
static int register_ops(void) {
  if (registered) return 0;
  TF_Status *st = TF_NewStatus();
  int code = 0;
  for (size_t i = 0; i < sizeof OPS / sizeof OPS[0] && code == 0; i++) {
    const OpSpec *op = &OPS[i];
    TF_OpDefinitionBuilder *b = TF_NewOpDefinitionBuilder(op->name);
    for (int j = 0; j < 2 && op->attrs[j]; j++) TF_OpDefinitionBuilderAddAttr(b, op->attrs[j]);
    for (int j = 0; j < 6 && op->inputs[j]; j++) TF_OpDefinitionBuilderAddInput(b, op->inputs[j]);
    for (int j = 0; j < 4 && op->outputs[j]; j++) TF_OpDefinitionBuilderAddOutput(b, op->outputs[j]);
    TF_RegisterOpDefinition(b, st);
    if ((code = TF_GetCode(st)) != 0) break;
    TF_KernelBuilder *k = TF_NewKernelBuilder(op->name, "CPU", op->create, op->compute, op->create == no_state ? no_delete : kernel_delete);
    TF_RegisterKernelBuilder(op->name, k, st);
    code = TF_GetCode(st);
  }
  TF_DeleteStatus(st);
  if (code == 0) registered = 1;
  return code;
}

/* Node's entry point for an N-API module (no Node headers needed: both types are pointers). */
typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
extern int napi_throw_error(napi_env env, const char *code, const char *msg);

AL_EXPORT napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  if (register_ops() != 0) napi_throw_error(env, NULL, "Attention Lab's fused kernels could not be registered with TensorFlow");
  return exports;
}

/* The version the file name carries, for a check from C (tests). */
AL_EXPORT int attention_lab_kernels_version(void) { return AL_KERNELS_VERSION; }
