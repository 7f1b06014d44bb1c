/* cpu/fast.c - the "cpu" backend (the default fast path): prepare() builds
 * the plan (plan.c), run() copies the input into its arena slot, executes the
 * steps in order, each split into tasks over the plan's thread pool, and
 * copies the output out. A plan runs one batch at a time. */
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "cpu/kern.h"
#include "cpu/plan.h"

typedef struct run_ctx {
    const cpu_plan *p;
    const cpu_step *st;
    int batch;
    int chunks;     /* per image: tasks over channels (or columns for linear) */
    int units;      /* channels (or columns) split into `chunks` */
    int nt, mt, nc, mc; /* GEMM tiling */
} run_ctx;

static size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

static void chunk_range(const run_ctx *r, int ch, int *u0, int *u1) {
    *u0 = (int)((int64_t)ch * r->units / r->chunks);
    *u1 = (int)((int64_t)(ch + 1) * r->units / r->chunks);
}

/* tasks per image for `units` of `work` floats each: about 4 per thread in
 * total, none smaller than ~16K floats of work */
static int pick_chunks(const cpu_plan *p, int batch, int units, size_t work) {
    int want = (4 * p->threads + batch - 1) / batch;
    size_t by_work = (size_t)units * work / 16384;
    if ((size_t)want > by_work) want = (int)by_work;
    if (want > units) want = units;
    return want < 1 ? 1 : want;
}

/* ---- task functions ----------------------------------------------------- */

static void task_gemm(void *vctx, int t, int worker) {
    const run_ctx *r = vctx;
    const cpu_step *st = r->st;
    const cpu_conv_geom *q = &st->q;
    int jt = t % r->nt;
    t /= r->nt;
    int it = t % r->mt;
    t /= r->mt;
    int grp = t % q->groups, n = t / q->groups;
    size_t in_plane = (size_t)q->h * q->w, out_plane = (size_t)q->oh * q->ow;
    int m = q->cout_g, k = q->cin_g * q->kh * q->kw;
    int n0 = jt * r->nc, nc = (int)out_plane - n0 < r->nc ? (int)out_plane - n0 : r->nc;
    int m0 = it * r->mc, m1 = m0 + r->mc < m ? m0 + r->mc : m;
    if (nc <= 0 || m0 >= m) return;
    const float *x = cpu_val_ptr(r->p, st->in[0], n) + (size_t)grp * q->cin_g * in_plane;
    float *y = cpu_val_ptr(r->p, st->out, n) + (size_t)grp * q->cout_g * out_plane;
    bool plain = q->kh == 1 && q->kw == 1 && q->sh == 1 && q->sw == 1 && q->pt == 0 &&
                 q->pl == 0 && q->pb == 0 && q->pr == 0;
    cpu_bsrc b = {x, in_plane, plain ? NULL : q};
    const cpu_kern *kn = r->p->k;
    cpu_epi e = {st->bias + (size_t)grp * round_up((size_t)m, (size_t)kn->mr),
                 st->res >= 0 ? cpu_val_ptr(r->p, st->res, n) + (size_t)grp * q->cout_g * out_plane
                              : NULL,
                 st->act};
    kn->gemm_tile(st->w + grp * st->w_group, m, k, m0, m1, &b, n0, nc, y, out_plane, &e,
                  r->p->scratch[worker]);
}

static void task_planes(void *vctx, int t, int worker) {
    const run_ctx *r = vctx;
    const cpu_step *st = r->st;
    const cpu_plan *p = r->p;
    const zoo_graph *g = p->g;
    int n = t / r->chunks, c0, c1;
    chunk_range(r, t % r->chunks, &c0, &c1);
    const float *x = cpu_val_ptr(p, st->in[0], n);
    float *y = cpu_val_ptr(p, st->out, n);
    zoo_shape os = g->values[st->out].shape;
    size_t plane = (size_t)os.h * os.w;
    switch (st->kind) {
    case CPU_STEP_DW_CONV:
        p->k->dw_conv(&st->q, x, y, st->w, st->bias, &st->act, c0, c1, p->scratch[worker]);
        break;
    case CPU_STEP_AFFINE: p->k->affine_planes(x, y, plane, st->scale, st->bias, &st->act, c0, c1); break;
    case CPU_STEP_ACT:
        if (y != x) /* else in place */
            memcpy(y + c0 * plane, x + c0 * plane, (size_t)(c1 - c0) * plane * sizeof(float));
        p->k->act(y + c0 * plane, (size_t)(c1 - c0) * plane, &st->act);
        break;
    case CPU_STEP_POOL: p->k->pool_planes(&st->p, x, y, c0, c1); break;
    case CPU_STEP_BINARY:
        p->k->binary_planes(st->nd->op == ZOO_OP_MUL, x, g->values[st->in[0]].shape,
                          cpu_val_ptr(p, st->in[1], n), g->values[st->in[1]].shape, y, os,
                          &st->act, c0, c1);
        break;
    case CPU_STEP_SHUFFLE: cpu_shuffle_planes(x, y, os, st->nd->attr.shuffle.groups, c0, c1); break;
    default: break;
    }
}

static void task_image(void *vctx, int t, int worker) {
    (void)worker;
    const run_ctx *r = vctx;
    const cpu_step *st = r->st;
    const cpu_plan *p = r->p;
    const zoo_graph *g = p->g;
    zoo_shape os = g->values[st->out].shape;
    if (st->kind == CPU_STEP_CONCAT) { /* task = (image, input) */
        const zoo_node *nd = st->nd;
        int n = t / nd->n_inputs, k = t % nd->n_inputs;
        if (st->inplace[k]) return;
        int axis = nd->attr.concat.axis, off = 0;
        for (int j = 0; j < k; j++) {
            zoo_shape s = g->values[nd->inputs[j]].shape;
            off += axis == 1 ? s.c : axis == 2 ? s.h : s.w;
        }
        cpu_copy_into(cpu_val_ptr(p, nd->inputs[k], n), g->values[nd->inputs[k]].shape,
                      cpu_val_ptr(p, st->out, n), os, axis == 1 ? off : 0, axis == 2 ? off : 0,
                      axis == 3 ? off : 0);
        return;
    }
    const float *x = cpu_val_ptr(p, st->in[0], t);
    float *y = cpu_val_ptr(p, st->out, t);
    if (st->kind == CPU_STEP_SLICE) {
        int axis = st->nd->attr.slice.axis, s0 = st->nd->attr.slice.start;
        cpu_copy_from(x, g->values[st->in[0]].shape, axis == 1 ? s0 : 0, axis == 2 ? s0 : 0,
                      axis == 3 ? s0 : 0, y, os);
    } else if (st->kind == CPU_STEP_SOFTMAX) {
        cpu_softmax_image(x, y, os, st->nd->attr.softmax.axis);
    }
}

static void task_linear(void *vctx, int t, int worker) {
    (void)worker;
    const run_ctx *r = vctx;
    const cpu_step *st = r->st;
    const cpu_plan *p = r->p;
    const zoo_graph *g = p->g;
    const zoo_node *nd = st->nd;
    int o0, o1;
    chunk_range(r, t, &o0, &o1);
    int vl = p->k->lanes; /* column blocks on vector boundaries */
    o0 = o0 / vl * vl;
    o1 = t == r->chunks - 1 ? r->units : o1 / vl * vl;
    if (o1 <= o0) return;
    const float *bias = nd->params[1] >= 0 ? g->params[nd->params[1]].data : NULL;
    p->k->linear_cols(cpu_val_ptr(p, st->in[0], 0), p->vals[st->in[0]].bs, r->batch,
                    (size_t)zoo_shape_numel(g->values[st->in[0]].shape),
                    g->params[nd->params[0]].data, r->units, bias, cpu_val_ptr(p, st->out, 0),
                    p->vals[st->out].bs, &st->act, o0, o1);
}

/* ---- step dispatch ------------------------------------------------------ */

static void run_gemm(run_ctx *r) {
    const cpu_conv_geom *q = &r->st->q;
    int n = q->oh * q->ow, m = q->cout_g;
    int nt = (n + CPU_NC - 1) / CPU_NC;
    int mt = 1, th = r->p->threads;
    /* split columns (then rows) further until the tasks spread evenly over the
     * threads: many tasks, or a multiple of the thread count; tiles stay >= 128
     * columns / 24 rows so packing and A streaming remain amortized */
    for (;;) {
        int tasks = r->batch * q->groups * nt * mt;
        if (th == 1 || tasks >= 8 * th || (tasks >= 2 * th && tasks % th == 0)) break;
        if (n / (nt + 1) >= 128)
            nt++;
        else if (m / (mt + 1) >= 4 * r->p->k->mr)
            mt++;
        else
            break;
    }
    r->nc = (int)round_up((size_t)((n + nt - 1) / nt), (size_t)r->p->k->nr);
    r->mc = (int)round_up((size_t)((m + mt - 1) / mt), (size_t)r->p->k->mr);
    r->nt = (n + r->nc - 1) / r->nc;
    r->mt = (m + r->mc - 1) / r->mc;
    cpu_pool_run(r->p->pool, r->batch * q->groups * r->nt * r->mt, task_gemm, r);
}

static void run_step(const cpu_plan *p, const cpu_step *st, int batch) {
    const zoo_graph *g = p->g;
    run_ctx r = {.p = p, .st = st, .batch = batch};
    zoo_shape os = g->values[st->out].shape;
    size_t plane = (size_t)os.h * os.w;
    switch (st->kind) {
    case CPU_STEP_GEMM_CONV: run_gemm(&r); break;
    case CPU_STEP_DW_CONV:
        r.units = os.c;
        r.chunks = pick_chunks(p, batch, os.c, plane * st->q.kh * st->q.kw);
        cpu_pool_run(p->pool, batch * r.chunks, task_planes, &r);
        break;
    case CPU_STEP_AFFINE:
    case CPU_STEP_ACT:
    case CPU_STEP_POOL:
    case CPU_STEP_BINARY:
    case CPU_STEP_SHUFFLE: {
        size_t work = plane;
        if (st->kind == CPU_STEP_POOL) {
            size_t in_plane = (size_t)st->p.h * st->p.w;
            work = in_plane > plane ? in_plane : plane;
        }
        r.units = os.c;
        r.chunks = pick_chunks(p, batch, os.c, work);
        cpu_pool_run(p->pool, batch * r.chunks, task_planes, &r);
        break;
    }
    case CPU_STEP_LINEAR: {
        size_t k = (size_t)zoo_shape_numel(g->values[st->in[0]].shape);
        r.units = os.c;
        int vl = p->k->lanes;
        r.chunks = pick_chunks(p, 1, (os.c + vl - 1) / vl, k * vl * batch);
        cpu_pool_run(p->pool, r.chunks, task_linear, &r);
        break;
    }
    case CPU_STEP_CONCAT: cpu_pool_run(p->pool, batch * st->nd->n_inputs, task_image, &r); break;
    case CPU_STEP_SLICE:
    case CPU_STEP_SOFTMAX: cpu_pool_run(p->pool, batch, task_image, &r); break;
    }
}

/* ---- backend ------------------------------------------------------------ */

static void *fast_prepare(const zoo_graph *g, const zoo_runner_opts *opts, zoo_error *err) {
    return cpu_plan_build(g, opts ? opts->max_batch : 1, opts ? opts->threads : 0, err);
}

static int fast_run(void *vp, const float *input, int batch, float *output, zoo_error *err) {
    cpu_plan *p = vp;
    const zoo_graph *g = p->g;
    if (batch < 1 || batch > p->max_batch)
        return zoo_error_set(err, ZOO_ERR_INPUT, "cpu backend: batch %d outside 1..%d (max_batch)",
                             batch, p->max_batch);
    size_t in_n = (size_t)zoo_shape_numel(g->values[g->input].shape);
    size_t out_n = (size_t)zoo_shape_numel(g->values[g->output].shape);
    for (int n = 0; n < batch; n++)
        memcpy(cpu_val_ptr(p, g->input, n), input + n * in_n, in_n * sizeof(float));
    for (int s = 0; s < p->n_steps; s++) run_step(p, &p->steps[s], batch);
    for (int n = 0; n < batch; n++)
        memcpy(output + n * out_n, cpu_val_ptr(p, g->output, n), out_n * sizeof(float));
    return 0;
}

static size_t fast_activation_bytes(const void *p) {
    return p ? ((const cpu_plan *)p)->arena_floats * sizeof(float) : 0;
}

static void fast_release(void *p) { cpu_plan_free(p); }

const zoo_backend_impl zoo_backend_cpu = {
    .name = "cpu",
    .prepare = fast_prepare,
    .run = fast_run,
    .activation_bytes = fast_activation_bytes,
    .release = fast_release,
};
