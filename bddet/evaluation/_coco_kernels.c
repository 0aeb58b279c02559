/* The evaluator's compiled loops: COCO matching and accumulation as pycocotools does them, the
 * resampled accumulation of the bootstrap, TIDE's per-image classification, and the one IoU.
 *
 * Every floating-point operation is in pycocotools' (and tidecv's) order, and the file is built
 * with -ffp-contract=off, so that no multiply-add is fused: the numbers are the official ones,
 * bit for bit, not merely close. Work is spread over threads (pthreads, an atomic counter of
 * groups) with the GIL released; each group writes only its own slots, so the result does not
 * depend on the thread count.
 *
 * Arrays come from coco_match.py as C-contiguous buffers of the dtypes its wrappers check:
 * float64, int64, and uint8 for booleans. Shapes are passed beside them.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- threads ---------------------------------------------------------------------------- */

typedef void (*Task)(void *ctx, int64_t item, void *scratch);

typedef void (*Cleanup)(void *scratch);

typedef struct {
    Task task;
    void *ctx;
    int64_t n, next;
    size_t scratch_bytes;
    int failed;
    Cleanup cleanup;
} Pool;

static void *worker(void *arg) {
    Pool *pool = arg;
    void *scratch = pool->scratch_bytes ? calloc(1, pool->scratch_bytes) : NULL;
    if (pool->scratch_bytes && !scratch) {
        __atomic_store_n(&pool->failed, 1, __ATOMIC_SEQ_CST);
        return NULL;
    }
    for (;;) {
        int64_t item = __atomic_fetch_add(&pool->next, 1, __ATOMIC_RELAXED);
        if (item >= pool->n) break;
        pool->task(pool->ctx, item, scratch);
    }
    if (pool->cleanup && scratch) pool->cleanup(scratch);
    free(scratch);
    return NULL;
}

/* Run task(ctx, i, scratch) for i in [0, n) on up to `threads` threads, each with its own
 * scratch of `scratch_bytes`. Returns 0, or -1 when memory ran out. */
static int parallel_with(Task task, void *ctx, int64_t n, int threads, size_t scratch_bytes, Cleanup cleanup) {
    Pool pool = {task, ctx, n, 0, scratch_bytes, 0, cleanup};
    if (threads > n) threads = (int)(n > 0 ? n : 1);
    if (threads < 1) threads = 1;
    pthread_t ids[256];
    if (threads > 256) threads = 256;
    int started = 0;
    for (int k = 1; k < threads; k++) {
        if (pthread_create(&ids[started], NULL, worker, &pool) == 0) started++;
    }
    worker(&pool);
    for (int k = 0; k < started; k++) pthread_join(ids[k], NULL);
    return pool.failed ? -1 : 0;
}

static int parallel(Task task, void *ctx, int64_t n, int threads, size_t scratch_bytes) {
    return parallel_with(task, ctx, n, threads, scratch_bytes, NULL);
}

/* ---- the one IoU ------------------------------------------------------------------------ */

/* pycocotools' maskApi.c bbIou for [x, y, w, h] boxes, the same expressions in the same order:
 * over the detection's area when the ground truth is a crowd region. A zero union (a box of zero
 * or negative extent, which the official evaluator scores) divides to inf or NaN, as there. */
static inline double box_iou(const double *d, const double *g, int crowd) {
    double w = fmin(d[2] + d[0], g[2] + g[0]) - fmax(d[0], g[0]);
    if (w <= 0) return 0.0;
    double h = fmin(d[3] + d[1], g[3] + g[1]) - fmax(d[1], g[1]);
    if (h <= 0) return 0.0;
    double inter = w * h;
    double da = d[2] * d[3];
    double uni = crowd ? da : da + g[2] * g[3] - inter;
    return inter / uni;
}

/* ---- argument helpers ------------------------------------------------------------------- */

typedef struct {
    Py_buffer b;
    int held;
} Arg;

static int get(PyObject *obj, Arg *arg, int writable, Py_ssize_t itemsize, Py_ssize_t count, const char *what) {
    if (PyObject_GetBuffer(obj, &arg->b, (writable ? PyBUF_WRITABLE : 0) | PyBUF_C_CONTIGUOUS) < 0) return -1;
    arg->held = 1;
    if (arg->b.len != itemsize * count) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes, expected %zd", what, arg->b.len, itemsize * count);
        return -1;
    }
    return 0;
}

static void release(Arg *args, int n) {
    for (int k = 0; k < n; k++)
        if (args[k].held) PyBuffer_Release(&args[k].b);
}

/* ---- matching --------------------------------------------------------------------------- */

typedef struct {
    const int64_t *gt_start, *dt_start;
    const double *gt_xywh, *dt_xywh, *area_ranges, *iou_thr;
    const uint8_t *gt_crowd;
    uint8_t *dt_matched, *dt_ignored, *gt_ignored;
    int64_t n_gt, n_dt, n_areas, n_thr;
    int failed;
} MatchCtx;

/* Per-thread scratch that grows to the largest group seen (no allocation per group). */
typedef struct {
    double *ious, *iou_sorted, *row_max;
    int64_t *order;
    uint8_t *ig, *crowd_sorted, *taken;
    int64_t cap_pairs, cap_gt, cap_dt;
    int failed;
} MatchScratch;

static double *rowmax_of(MatchScratch *s, int64_t nd) {
    if (nd > s->cap_dt) {
        double *r = realloc(s->row_max, sizeof(double) * (size_t)nd);
        if (!r) {
            s->failed = 1;
            return s->row_max;  /* the caller sees failed after the group */
        }
        s->row_max = r;
        s->cap_dt = nd;
    }
    return s->row_max;
}

static int scratch_fit(MatchScratch *s, int64_t pairs, int64_t ng) {
    if (pairs > s->cap_pairs) {
        double *a = realloc(s->ious, sizeof(double) * (size_t)pairs), *b = realloc(s->iou_sorted, sizeof(double) * (size_t)pairs);
        if (a) s->ious = a;
        if (b) s->iou_sorted = b;
        if (!a || !b) return -1;
        s->cap_pairs = pairs;
    }
    if (ng > s->cap_gt) {
        int64_t *o = realloc(s->order, sizeof(int64_t) * (size_t)ng);
        uint8_t *i = realloc(s->ig, (size_t)ng), *c = realloc(s->crowd_sorted, (size_t)ng), *t = realloc(s->taken, (size_t)ng);
        if (o) s->order = o;
        if (i) s->ig = i;
        if (c) s->crowd_sorted = c;
        if (t) s->taken = t;
        if (!o || !i || !c || !t) return -1;
        s->cap_gt = ng;
    }
    return 0;
}

static void match_group(void *vctx, int64_t g, void *scratch) {
    MatchCtx *c = vctx;
    MatchScratch *s = scratch;
    int64_t gs = c->gt_start[g], ng = c->gt_start[g + 1] - gs;
    int64_t ds = c->dt_start[g], nd = c->dt_start[g + 1] - ds;
    if (scratch_fit(s, nd * ng > 0 ? nd * ng : 1, ng > 0 ? ng : 1) || !rowmax_of(s, nd > 0 ? nd : 1) || s->failed) {
        __atomic_store_n(&c->failed, 1, __ATOMIC_SEQ_CST);
        return;
    }
    double *ious = s->ious, *sorted = s->iou_sorted;
    int64_t *order = s->order;
    uint8_t *ig = s->ig, *crowd = s->crowd_sorted, *taken = s->taken;
    for (int64_t i = 0; i < nd; i++)
        for (int64_t j = 0; j < ng; j++)
            ious[i * ng + j] = box_iou(c->dt_xywh + 4 * (ds + i), c->gt_xywh + 4 * (gs + j), c->gt_crowd[gs + j]);
    for (int64_t a = 0; a < c->n_areas; a++) {
        double lo = c->area_ranges[2 * a], hi = c->area_ranges[2 * a + 1];
        int64_t k = 0;
        /* gt order: not ignored first, each part in file order (np.argsort kind='mergesort') */
        for (int want = 0; want <= 1; want++) {
            for (int64_t j = 0; j < ng; j++) {
                const double *gb = c->gt_xywh + 4 * (gs + j);
                double area = gb[2] * gb[3];
                int flag = c->gt_crowd[gs + j] || area < lo || area > hi;
                if (flag == want) {
                    order[k] = j;
                    ig[k] = (uint8_t)flag;
                    k++;
                }
            }
        }
        for (int64_t j = 0; j < ng; j++) {
            c->gt_ignored[a * c->n_gt + gs + order[j]] = ig[j];
            crowd[j] = c->gt_crowd[gs + order[j]];
        }
        /* the IoU row of each detection in this area's gt order, and its largest value (NaN, from
         * a box of no extent, counts as reaching every threshold, as the comparisons below treat it) */
        double *row_max = rowmax_of(s, nd);
        for (int64_t i = 0; i < nd; i++) {
            double top = -1.0;
            for (int64_t j = 0; j < ng; j++) {
                double v = ious[i * ng + order[j]];
                sorted[i * ng + j] = v;
                if (v != v) top = INFINITY;
                else if (v > top) top = v;
            }
            row_max[i] = top;
        }
        const int64_t T = c->n_thr;
        uint8_t *matched = c->dt_matched + (a * c->n_dt + ds) * T;  /* (A, n_dt, T): a det's thresholds together */
        uint8_t *ignored = c->dt_ignored + (a * c->n_dt + ds) * T;
        for (int64_t t = 0; t < T; t++) {
            double start = fmin(c->iou_thr[t], 1 - 1e-10);
            memset(taken, 0, (size_t)(ng > 0 ? ng : 1));
            for (int64_t i = 0; i < nd; i++) {
                if (row_max[i] < start) continue;  /* no ground truth reaches the threshold: no match */
                const double *row = sorted + i * ng;
                double best = start;
                int64_t m = -1;
                for (int64_t j = 0; j < ng; j++) {
                    if (taken[j] && !crowd[j]) continue;
                    if (m > -1 && !ig[m] && ig[j]) break;
                    if (row[j] < best) continue;
                    best = row[j];
                    m = j;
                }
                if (m == -1) continue;
                ignored[i * T + t] = ig[m];
                matched[i * T + t] = 1;
                taken[m] = 1;
            }
        }
        for (int64_t i = 0; i < nd; i++) {  /* unmatched detections outside the area range are ignored */
            const double *db = c->dt_xywh + 4 * (ds + i);
            double da = db[2] * db[3];
            if (da < lo || da > hi)
                for (int64_t t = 0; t < T; t++)
                    if (!matched[i * T + t]) ignored[i * T + t] = 1;
        }
    }
}

static void match_worker_done(MatchScratch *s) {
    free(s->ious); free(s->iou_sorted); free(s->row_max); free(s->order); free(s->ig); free(s->crowd_sorted);
    free(s->taken);
}

/* match_groups(gt_start, gt_xywh, gt_crowd, dt_start, dt_xywh, area_ranges, iou_thresholds,
 *              dt_matched, dt_ignored, gt_ignored, threads) */
static PyObject *match_groups(PyObject *self, PyObject *args) {
    PyObject *o[10];
    int threads;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOi", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6], &o[7], &o[8], &o[9],
                          &threads)) return NULL;
    Arg a[10];
    memset(a, 0, sizeof a);
    PyObject *result = NULL;
    Py_ssize_t n_groups = -1;
    /* sizes come from the buffers themselves */
    if (PyObject_GetBuffer(o[0], &a[0].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[0].held = 1;
    n_groups = a[0].b.len / 8 - 1;
    if (PyObject_GetBuffer(o[2], &a[2].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[2].held = 1;
    int64_t n_gt = a[2].b.len;
    if (PyObject_GetBuffer(o[5], &a[5].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[5].held = 1;
    int64_t n_areas = a[5].b.len / 16;
    if (PyObject_GetBuffer(o[6], &a[6].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[6].held = 1;
    int64_t n_thr = a[6].b.len / 8;
    if (get(o[3], &a[3], 0, 8, n_groups + 1, "dt_start") || get(o[1], &a[1], 0, 8, 4 * n_gt, "gt_xywh")) goto done;
    if (PyObject_GetBuffer(o[4], &a[4].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[4].held = 1;
    int64_t n_dt = a[4].b.len / 32;
    if (get(o[7], &a[7], 1, 1, n_areas * n_thr * n_dt, "dt_matched")
        || get(o[8], &a[8], 1, 1, n_areas * n_thr * n_dt, "dt_ignored")
        || get(o[9], &a[9], 1, 1, n_areas * n_gt, "gt_ignored")) goto done;
    MatchCtx c = {a[0].b.buf, a[3].b.buf, a[1].b.buf, a[4].b.buf, a[5].b.buf, a[6].b.buf, a[2].b.buf,
                  a[7].b.buf, a[8].b.buf, a[9].b.buf, n_gt, n_dt, n_areas, n_thr, 0};
    int failed;
    Py_BEGIN_ALLOW_THREADS
    failed = parallel_with(match_group, &c, n_groups, threads, sizeof(MatchScratch),
                           (Cleanup)match_worker_done) || c.failed;
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    release(a, 10);
    return result;
}

/* ---- accumulation ----------------------------------------------------------------------- */

typedef struct {
    const int64_t *order, *offsets;
    const double *npig, *rec_thr;
    const uint8_t *dt_matched, *dt_ignored;
    double *precision, *recall;
    int64_t n_cls, n_m, n_area, n_thr, n_rec, n_dt;
} AccCtx;

/* One (class, max dets, area) of COCOeval.accumulate, for every IoU threshold in one pass.
 *
 * pycocotools computes, over the class's detections in score order, rc[i] = tp / npig and
 * pr[i] = tp / (fp + tp + eps) at every position, takes the max of pr to the right, and reads
 * it at the first position where rc reaches each recall threshold. The same numbers come from
 * fewer operations: rc only changes where a true positive adds to tp, so the first position
 * where rc >= thr is the k-th true positive for the smallest k with k / npig >= thr (the same
 * division, so the same comparison); and precision rises only at true positives, so the max to
 * the right of the k-th true positive is the max of pr at it and at the true positives after
 * it. Every pr kept is computed as pycocotools computes it, from the same tp and fp. */
static void accumulate_slice(void *vctx, int64_t item, void *scratch) {
    AccCtx *c = vctx;
    const double eps = 2.220446049250313e-16;  /* np.spacing(1) */
    const int64_t T = c->n_thr;
    int64_t a = item % c->n_area, m = (item / c->n_area) % c->n_m, k = item / (c->n_area * c->n_m);
    double npig = c->npig[k * c->n_area + a];
    if (npig == 0) return;  /* stays -1, as in pycocotools */
    int64_t lo = c->offsets[k * (c->n_m + 1) + m], hi = c->offsets[k * (c->n_m + 1) + m + 1];
    int64_t nd = hi - lo;
    /* scratch: tp, fp, n_tp per threshold, then pr at each true positive, threshold by threshold */
    double *tp = (double *)scratch, *fp = tp + T;
    int64_t *n_tp = (int64_t *)(fp + T);
    double *tp_pr = (double *)(n_tp + T);
    for (int64_t t = 0; t < T; t++) {
        tp[t] = fp[t] = 0.0;
        n_tp[t] = 0;
    }
    for (int64_t i = 0; i < nd; i++) {
        int64_t d = c->order[lo + i];
        const uint8_t *matched = c->dt_matched + (a * c->n_dt + d) * T;
        const uint8_t *ignored = c->dt_ignored + (a * c->n_dt + d) * T;
        for (int64_t t = 0; t < T; t++) {
            if (ignored[t]) continue;
            if (matched[t]) {
                tp[t] += 1.0;
                tp_pr[t * nd + n_tp[t]++] = tp[t] / (fp[t] + tp[t] + eps);
            } else {
                fp[t] += 1.0;
            }
        }
    }
    for (int64_t t = 0; t < T; t++) {
        double *pr = tp_pr + t * nd;
        int64_t n = n_tp[t];
        /* recall[t, k, a, m]: rc at the last position */
        c->recall[((t * c->n_cls + k) * c->n_area + a) * c->n_m + m] = nd ? tp[t] / npig : 0.0;
        for (int64_t j = n - 2; j >= 0; j--)  /* np.maximum.accumulate from the right */
            if (pr[j + 1] > pr[j]) pr[j] = pr[j + 1];
        int64_t kk = 0;  /* the k of the current threshold: rc first reaches it at the k-th true positive */
        for (int64_t r = 0; r < c->n_rec; r++) {
            while (kk <= n && (double)kk / npig < c->rec_thr[r]) kk++;
            double value;
            if (nd == 0 || kk > n) value = 0.0;       /* rc never reaches the threshold */
            else if (kk == 0) value = n ? pr[0] : 0.0;  /* position 0: the max of everything */
            else value = pr[kk - 1];
            /* precision[t, r, k, a, m] */
            c->precision[(((t * c->n_rec + r) * c->n_cls + k) * c->n_area + a) * c->n_m + m] = value;
        }
    }
}

/* accumulate(order, offsets, npig, dt_matched, dt_ignored, recall_thresholds, precision, recall,
 *            n_cls, n_m, n_area, n_thr, threads) */
static PyObject *accumulate(PyObject *self, PyObject *args) {
    PyObject *o[8];
    long long n_cls, n_m, n_area, n_thr;
    int threads;
    if (!PyArg_ParseTuple(args, "OOOOOOOOLLLLi", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6], &o[7], &n_cls,
                          &n_m, &n_area, &n_thr, &threads)) return NULL;
    Arg a[8];
    memset(a, 0, sizeof a);
    PyObject *result = NULL;
    if (PyObject_GetBuffer(o[0], &a[0].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[0].held = 1;
    if (PyObject_GetBuffer(o[5], &a[5].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[5].held = 1;
    int64_t n_rec = a[5].b.len / 8;
    if (PyObject_GetBuffer(o[3], &a[3].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[3].held = 1;
    int64_t n_dt = (n_area * n_thr) != 0 ? a[3].b.len / (n_area * n_thr) : 0;
    if (get(o[1], &a[1], 0, 8, n_cls * (n_m + 1), "offsets") || get(o[2], &a[2], 0, 8, n_cls * n_area, "npig")
        || get(o[4], &a[4], 0, 1, n_area * n_thr * n_dt, "dt_ignored")
        || get(o[6], &a[6], 1, 8, n_thr * n_rec * n_cls * n_area * n_m, "precision")
        || get(o[7], &a[7], 1, 8, n_thr * n_cls * n_area * n_m, "recall")) goto done;
    AccCtx c = {a[0].b.buf, a[1].b.buf, a[2].b.buf, a[5].b.buf, a[3].b.buf, a[4].b.buf, a[6].b.buf, a[7].b.buf,
                n_cls, n_m, n_area, n_thr, n_rec, n_dt};
    /* the longest slice of one class and max dets bounds the scratch: T pr arrays of its length */
    const int64_t *offs = a[1].b.buf;
    int64_t longest = 1;
    for (int64_t k = 0; k < n_cls * (n_m + 1) - 1; k++)
        if ((k + 1) % (n_m + 1) != 0 && offs[k + 1] - offs[k] > longest) longest = offs[k + 1] - offs[k];
    size_t scratch = sizeof(double) * (size_t)(2 * n_thr + n_thr * longest) + sizeof(int64_t) * (size_t)n_thr;
    int failed;
    Py_BEGIN_ALLOW_THREADS
    failed = parallel(accumulate_slice, &c, n_cls * n_m * n_area, threads, scratch);
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    release(a, 8);
    return result;
}

/* ---- the bootstrap's resampled accumulation ---------------------------------------------- */

typedef struct {
    const int32_t *weights;           /* (n_res, n_img) draw counts */
    const int64_t *gt_count;          /* (n_cls, n_img) non-ignored ground truth */
    const double *rec_thr;
    const int64_t *det_start;         /* class k's detections: det_start[k]:det_start[k + 1], by score */
    const int32_t *det_img;
    /* per (class, threshold) list l = k * T + t, in score order: the true positives
     * tp_start[l]:tp_start[l + 1] (their image, and their position within the class), and the
     * ignored detections ig_start[l]:..., ig_before[j] ending those before true positive j */
    const int64_t *tp_start, *ig_start, *ig_before;
    const int32_t *tp_img, *tp_pos, *ig_img;
    double *ap_out, *rec_out;
    int64_t n_res, n_img, n_cls, n_thr, n_rec;
} BootCtx;

/* One resample: per class and threshold, AP and final recall with each detection counting its
 * image's draw count w (w copies of an image put w copies of each detection side by side in the
 * score order). Counts are integers, so every tp and fp below is the exact integer pycocotools'
 * cumulative sums would hold for the set of copies, and rc and pr are the same divisions.
 *
 * pycocotools' interpolated precision at recall threshold r is the max of pr over the positions
 * from the first one whose rc reaches thr[r] on. rc only grows, so these are nested suffixes, and
 * the max over a suffix is the max of the segments [start_r, start_r+1) it holds: one forward pass
 * keeps each segment's max, then the suffix maxima are taken over the 101 segments. Only true
 * positives raise rc or pr (a false positive's pr is at most that of the true positive before it,
 * in the same segment), so only true positives are visited; fp at one is the weight of all the
 * class's detections up to it (a prefix sum shared by the thresholds) less the ignored ones and
 * the true positives. A true positive of an undrawn image adds nothing and its pr is at most the
 * one before it, so it is visited anyway rather than branched over. */
static void weighted_resample(void *vctx, int64_t b, void *scratch) {
    BootCtx *c = vctx;
    const double eps = 2.220446049250313e-16;  /* np.spacing(1) */
    const int64_t T = c->n_thr, R = c->n_rec;
    const int32_t *w = c->weights + b * c->n_img;
    const double *thr = c->rec_thr;
    double *seg = (double *)scratch;
    int64_t *prefix = (int64_t *)(seg + R);
    for (int64_t k = 0; k < c->n_cls; k++) {
        int64_t npig_count = 0;
        for (int64_t i = 0; i < c->n_img; i++) npig_count += (int64_t)w[i] * c->gt_count[k * c->n_img + i];
        double npig = (double)npig_count;
        double *ap = c->ap_out + (b * c->n_cls + k) * T, *rec = c->rec_out + (b * c->n_cls + k) * T;
        if (npig_count == 0) {
            for (int64_t t = 0; t < T; t++) ap[t] = rec[t] = NAN;
            continue;
        }
        int64_t lo = c->det_start[k], n = c->det_start[k + 1] - lo, run = 0;
        for (int64_t i = 0; i < n; i++) prefix[i] = run += w[c->det_img[lo + i]];
        for (int64_t t = 0; t < T; t++) {
            int64_t l = k * T + t, f = c->ig_start[l], p = 0, tp = 0, ignored = 0;
            memset(seg, 0, sizeof(double) * (size_t)R);
            for (int64_t j = c->tp_start[l]; j < c->tp_start[l + 1]; j++) {
                for (const int64_t end = c->ig_before[j]; f < end; f++) ignored += w[c->ig_img[f]];
                tp += w[c->tp_img[j]];
                int64_t fp = prefix[c->tp_pos[j]] - ignored - tp;
                double rc = (double)tp / npig, pr = (double)tp / ((double)fp + (double)tp + eps);
                while (p < R && !(rc < thr[p])) p++;  /* np.searchsorted(rc, thr, 'left') */
                /* p >= 1 (thr[0] is 0), and rc < thr[p]: the position is in segment p - 1 */
                double *sp = seg + (p > 0 ? p - 1 : 0);
                *sp = pr > *sp ? pr : *sp;
            }
            rec[t] = (double)tp / npig;  /* rc at the last position; 0 without true positives */
            /* q[r] = max(seg[r:]), 0 for thresholds rc never reaches (their segments are empty) */
            double best = 0.0, total = 0.0;
            for (int64_t r = R - 1; r >= 0; r--) {
                if (seg[r] > best) best = seg[r];
                seg[r] = r < p ? best : 0.0;
            }
            for (int64_t r = 0; r < R; r++) total += seg[r];
            ap[t] = total / (double)R;
        }
    }
}

/* weighted_accumulate(weights, det_start, det_img, det_tp, det_ig, gt_count, recall_thresholds,
 *                     ap_out, rec_out, n_res, n_img, n_cls, n_thr, threads)
 * weights int32 (n_res, n_img); det_img int64; gt_count int64 (n_cls, n_img). Detections come
 * grouped by class (det_start) in score order, det_tp/det_ig (n_det, n_thr). */
static PyObject *weighted_accumulate(PyObject *self, PyObject *args) {
    PyObject *o[9];
    long long n_res, n_img, n_cls, n_thr;
    int threads;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOLLLLi", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6], &o[7], &o[8],
                          &n_res, &n_img, &n_cls, &n_thr, &threads)) return NULL;
    if (n_img < 0 || n_img > INT32_MAX || n_cls < 0 || n_thr < 0 || n_res < 0) {
        PyErr_SetString(PyExc_ValueError, "weighted_accumulate: sizes out of range");
        return NULL;
    }
    Arg a[9];
    memset(a, 0, sizeof a);
    PyObject *result = NULL;
    int64_t *tp_start = NULL, *ig_start = NULL, *ig_before = NULL;
    int32_t *tp_img = NULL, *tp_pos = NULL, *ig_img = NULL, *det_img32 = NULL;
    if (PyObject_GetBuffer(o[2], &a[2].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[2].held = 1;
    int64_t n_det = a[2].b.len / 8;
    if (PyObject_GetBuffer(o[6], &a[6].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[6].held = 1;
    int64_t n_rec = a[6].b.len / 8;
    if (get(o[0], &a[0], 0, 4, n_res * n_img, "weights") || get(o[1], &a[1], 0, 8, n_cls + 1, "det_start")
        || get(o[3], &a[3], 0, 1, n_det * n_thr, "det_tp") || get(o[4], &a[4], 0, 1, n_det * n_thr, "det_ig")
        || get(o[5], &a[5], 0, 8, n_cls * n_img, "gt_count") || get(o[7], &a[7], 1, 8, n_res * n_cls * n_thr, "ap")
        || get(o[8], &a[8], 1, 8, n_res * n_cls * n_thr, "rec")) goto done;
    const int64_t *starts = a[1].b.buf, *det_img = a[2].b.buf;
    const uint8_t *hit = a[3].b.buf, *ig = a[4].b.buf;
    const char *bad = NULL;
    if (n_cls && (starts[0] != 0 || starts[n_cls] != n_det)) bad = "det_start does not cover the detections";
    for (int64_t k = 0; !bad && k < n_cls; k++)
        if (starts[k + 1] < starts[k] || starts[k + 1] - starts[k] > INT32_MAX) bad = "det_start out of order";
    for (int64_t d = 0; !bad && d < n_det; d++)
        if (det_img[d] < 0 || det_img[d] >= n_img) bad = "a detection's image is out of range";
    if (bad) {
        PyErr_Format(PyExc_ValueError, "weighted_accumulate: %s", bad);
        goto done;
    }
    /* the per (class, threshold) lists, built once for all resamples */
    int64_t n_lists = n_cls * n_thr, n_tp = 0, n_ig = 0, longest = 1;
    for (int64_t i = 0; i < n_det * n_thr; i++) {
        n_tp += !ig[i] && hit[i];
        n_ig += ig[i] != 0;
    }
    for (int64_t k = 0; k < n_cls; k++)
        if (starts[k + 1] - starts[k] > longest) longest = starts[k + 1] - starts[k];
    tp_start = malloc(sizeof(int64_t) * (size_t)(n_lists + 1));
    ig_start = malloc(sizeof(int64_t) * (size_t)(n_lists + 1));
    ig_before = malloc(sizeof(int64_t) * (size_t)(n_tp + 1));
    tp_img = malloc(sizeof(int32_t) * (size_t)(n_tp + 1));
    tp_pos = malloc(sizeof(int32_t) * (size_t)(n_tp + 1));
    ig_img = malloc(sizeof(int32_t) * (size_t)(n_ig + 1));
    det_img32 = malloc(sizeof(int32_t) * (size_t)(n_det + 1));
    if (!tp_start || !ig_start || !ig_before || !tp_img || !tp_pos || !ig_img || !det_img32) {
        PyErr_NoMemory();
        goto done;
    }
    for (int64_t d = 0; d < n_det; d++) det_img32[d] = (int32_t)det_img[d];
    int64_t jt = 0, ji = 0;
    for (int64_t k = 0; k < n_cls; k++)
        for (int64_t t = 0; t < n_thr; t++) {
            tp_start[k * n_thr + t] = jt;
            ig_start[k * n_thr + t] = ji;
            for (int64_t d = starts[k]; d < starts[k + 1]; d++) {
                int64_t i = d * n_thr + t;
                if (ig[i]) {
                    ig_img[ji++] = det_img32[d];
                } else if (hit[i]) {
                    ig_before[jt] = ji;
                    tp_pos[jt] = (int32_t)(d - starts[k]);
                    tp_img[jt++] = det_img32[d];
                }
            }
        }
    tp_start[n_lists] = jt;
    ig_start[n_lists] = ji;
    BootCtx c = {a[0].b.buf, a[5].b.buf, a[6].b.buf, starts, det_img32, tp_start, ig_start, ig_before, tp_img,
                 tp_pos, ig_img, a[7].b.buf, a[8].b.buf, n_res, n_img, n_cls, n_thr, n_rec};
    int failed;
    size_t scratch = sizeof(double) * (size_t)(n_rec + 1) + sizeof(int64_t) * (size_t)longest;
    Py_BEGIN_ALLOW_THREADS
    failed = parallel(weighted_resample, &c, n_res, threads, scratch);
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    free(tp_start);
    free(ig_start);
    free(ig_before);
    free(tp_img);
    free(tp_pos);
    free(ig_img);
    free(det_img32);
    release(a, 9);
    return result;
}

/* ---- TIDE ------------------------------------------------------------------------------ */

typedef struct {
    const int64_t *p_off, *p_ord, *p_cls, *g_bounds, *g_cls;
    const double *p_xywh, *g_xywh;
    const uint8_t *g_ignore;
    double pos, bg;
    int8_t *state, *kind;
    int64_t *target;
    uint8_t *gt_used;
    int failed;
} TideCtx;

static inline double other_class_iou(const TideCtx *c, const double *ious, int64_t nr, int64_t i, int64_t j,
                                     int64_t p, const int64_t *real) {
    return c->p_cls[p] == c->g_cls[real[j]] ? 0.0 : ious[i * nr + j];
}

static void tide_frame(void *vctx, int64_t f, void *scratch) {
    TideCtx *c = vctx;
    (void)scratch;
    int64_t lo = c->p_off[f], n = c->p_off[f + 1] - lo;
    int64_t g0 = c->g_bounds[f], ng = c->g_bounds[f + 1] - g0;
    int64_t *real = malloc(sizeof(int64_t) * (size_t)(ng > 0 ? ng : 1));
    int64_t *ign = malloc(sizeof(int64_t) * (size_t)(ng > 0 ? ng : 1));
    double *ious = calloc((size_t)(n * ng > 0 ? n * ng : 1), sizeof(double));
    double *buffer = calloc((size_t)(n * ng > 0 ? n * ng : 1), sizeof(double));
    double *cls_iou = calloc((size_t)(n * ng > 0 ? n * ng : 1), sizeof(double));
    uint8_t *used = calloc((size_t)(ng > 0 ? ng : 1), 1);
    if (!real || !ign || !ious || !buffer || !cls_iou || !used) {
        __atomic_store_n(&c->failed, 1, __ATOMIC_SEQ_CST);
        goto done;
    }
    int64_t nr = 0, ni = 0;
    for (int64_t g = g0; g < g0 + ng; g++) {
        if (c->g_ignore[g]) ign[ni++] = g;
        else real[nr++] = g;
    }
    for (int64_t i = 0; i < n; i++) {
        int64_t p = c->p_ord[lo + i];
        for (int64_t j = 0; j < nr; j++) {
            double v = box_iou(c->p_xywh + 4 * p, c->g_xywh + 4 * real[j], 0);
            ious[i * nr + j] = v;
            buffer[i * nr + j] = c->p_cls[p] == c->g_cls[real[j]] ? v : 0.0;
        }
    }
    memcpy(cls_iou, buffer, sizeof(double) * (size_t)(n * nr));
    for (int64_t i = 0; i < n; i++) {
        c->state[lo + i] = 0;
        c->kind[lo + i] = -1;
        c->target[lo + i] = -1;
        if (nr == 0) continue;
        int64_t best = 0;
        for (int64_t j = 1; j < nr; j++)  /* np.argmax: the first of equal maxima */
            if (buffer[i * nr + j] > buffer[i * nr + best]) best = j;
        if (buffer[i * nr + best] >= c->pos) {
            c->state[lo + i] = 1;
            used[best] = 1;
            for (int64_t r = 0; r < n; r++) buffer[r * nr + best] = 0.0;
        }
    }
    for (int64_t i = 0; i < n; i++) {  /* ignore regions: crowd IoU > pos with a region of the same class */
        if (c->state[lo + i] != 0) continue;
        int64_t p = c->p_ord[lo + i];
        for (int64_t q = 0; q < ni; q++) {
            if (c->g_cls[ign[q]] == c->p_cls[p] && box_iou(c->p_xywh + 4 * p, c->g_xywh + 4 * ign[q], 1) > c->pos) {
                c->state[lo + i] = 2;
                break;
            }
        }
    }
    for (int64_t j = 0; j < nr; j++) c->gt_used[real[j]] = used[j];
    for (int64_t i = 0; i < n; i++) {
        if (c->state[lo + i] == 1) continue;
        if (nr == 0) {
            c->kind[lo + i] = 4;
            continue;
        }
        int64_t p = c->p_ord[lo + i];
        int64_t a = 0;
        for (int64_t j = 1; j < nr; j++)
            if (cls_iou[i * nr + j] > cls_iou[i * nr + a]) a = j;
        if (c->bg <= cls_iou[i * nr + a] && cls_iou[i * nr + a] <= c->pos) {
            c->kind[lo + i] = 1;
            c->target[lo + i] = real[a];
            continue;
        }
        a = -1;
        for (int64_t j = 0; j < nr; j++) {
            double v = other_class_iou(c, ious, nr, i, j, p, real);
            if (a < 0 || v > other_class_iou(c, ious, nr, i, a, p, real)) a = j;
        }
        if (other_class_iou(c, ious, nr, i, a, p, real) >= c->pos) {
            c->kind[lo + i] = 0;
            c->target[lo + i] = real[a];
            continue;
        }
        double dupe = 0.0, top = 0.0;
        for (int64_t j = 0; j < nr; j++) {
            if (used[j] && cls_iou[i * nr + j] > dupe) dupe = cls_iou[i * nr + j];
            if (ious[i * nr + j] > top) top = ious[i * nr + j];
        }
        if (dupe >= c->pos) c->kind[lo + i] = 3;
        else if (top <= c->bg) c->kind[lo + i] = 4;
        else c->kind[lo + i] = 2;
    }
done:
    free(real); free(ign); free(ious); free(buffer); free(cls_iou); free(used);
}

/* tide_classify(p_off, p_ord, p_xywh, p_cls, g_bounds, g_xywh, g_cls, g_ignore, pos, bg,
 *               state, kind, target, gt_used, threads) */
static PyObject *tide_classify(PyObject *self, PyObject *args) {
    PyObject *o[12];
    double pos, bg;
    int threads;
    if (!PyArg_ParseTuple(args, "OOOOOOOOddOOOOi", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6], &o[7], &pos, &bg,
                          &o[8], &o[9], &o[10], &o[11], &threads)) return NULL;
    Arg a[12];
    memset(a, 0, sizeof a);
    PyObject *result = NULL;
    if (PyObject_GetBuffer(o[0], &a[0].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[0].held = 1;
    int64_t n_frames = a[0].b.len / 8 - 1;
    if (PyObject_GetBuffer(o[1], &a[1].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[1].held = 1;
    int64_t n_slots = a[1].b.len / 8;
    if (PyObject_GetBuffer(o[3], &a[3].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[3].held = 1;
    int64_t n_pred = a[3].b.len / 8;
    if (PyObject_GetBuffer(o[6], &a[6].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[6].held = 1;
    int64_t n_gt = a[6].b.len / 8;
    if (get(o[2], &a[2], 0, 8, 4 * n_pred, "p_xywh") || get(o[4], &a[4], 0, 8, n_frames + 1, "g_bounds")
        || get(o[5], &a[5], 0, 8, 4 * n_gt, "g_xywh") || get(o[7], &a[7], 0, 1, n_gt, "g_ignore")
        || get(o[8], &a[8], 1, 1, n_slots, "state") || get(o[9], &a[9], 1, 1, n_slots, "kind")
        || get(o[10], &a[10], 1, 8, n_slots, "target") || get(o[11], &a[11], 1, 1, n_gt, "gt_used")) goto done;
    TideCtx c = {a[0].b.buf, a[1].b.buf, a[3].b.buf, a[4].b.buf, a[6].b.buf, a[2].b.buf, a[5].b.buf, a[7].b.buf,
                 pos, bg, a[8].b.buf, a[9].b.buf, a[10].b.buf, a[11].b.buf, 0};
    int failed;
    Py_BEGIN_ALLOW_THREADS
    failed = parallel(tide_frame, &c, n_frames, threads, 0) || c.failed;
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    release(a, 12);
    return result;
}

/* ---- the confusion matrix --------------------------------------------------------------- */

/* confusion(p_off, p_ord, p_xywh, p_cls, g_bounds, g_xywh, g_cls, iou_thr, n_cls, out)
 * Per frame f: its detections p_ord[p_off[f]:p_off[f + 1]] in score order take, one by one, the
 * untaken object g_bounds[f]:g_bounds[f + 1] (crowd and ignored ones left out beforehand) of the
 * highest IoU, whatever its class; np.argmax's choice: the first of equal values, and a NaN IoU (a
 * box of no area) wins. At IoU >= iou_thr it counts in out[true class, predicted class], else in
 * the background row; objects left untaken count in the background column. out is
 * (n_cls + 1, n_cls + 1) int64. */
static PyObject *confusion(PyObject *self, PyObject *args) {
    PyObject *o[8];
    double iou_thr;
    long long n_cls;
    if (!PyArg_ParseTuple(args, "OOOOOOOdLO", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6], &iou_thr, &n_cls,
                          &o[7])) return NULL;
    Arg a[8];
    memset(a, 0, sizeof a);
    PyObject *result = NULL;
    uint8_t *taken = NULL;
    if (PyObject_GetBuffer(o[0], &a[0].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[0].held = 1;
    int64_t n_frames = a[0].b.len / 8 - 1;
    if (PyObject_GetBuffer(o[1], &a[1].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[1].held = 1;
    int64_t n_slots = a[1].b.len / 8;
    if (PyObject_GetBuffer(o[3], &a[3].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[3].held = 1;
    int64_t n_pred = a[3].b.len / 8;
    if (PyObject_GetBuffer(o[6], &a[6].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[6].held = 1;
    int64_t n_gt = a[6].b.len / 8;
    if (n_frames < 0 || n_cls < 0 || get(o[2], &a[2], 0, 8, 4 * n_pred, "p_xywh")
        || get(o[4], &a[4], 0, 8, n_frames + 1, "g_bounds") || get(o[5], &a[5], 0, 8, 4 * n_gt, "g_xywh")
        || get(o[7], &a[7], 1, 8, (n_cls + 1) * (n_cls + 1), "out")) goto done;
    const int64_t *p_off = a[0].b.buf, *p_ord = a[1].b.buf, *p_cls = a[3].b.buf, *g_bounds = a[4].b.buf;
    const int64_t *g_cls = a[6].b.buf;
    const double *p_xywh = a[2].b.buf, *g_xywh = a[5].b.buf;
    int64_t *out = a[7].b.buf, bg = n_cls, stride = n_cls + 1;
    const char *bad = NULL;
    if (p_off[0] != 0 || p_off[n_frames] > n_slots || g_bounds[0] != 0 || g_bounds[n_frames] > n_gt)
        bad = "frame offsets out of range";
    int64_t widest = 1;
    for (int64_t f = 0; !bad && f < n_frames; f++) {
        if (p_off[f + 1] < p_off[f] || g_bounds[f + 1] < g_bounds[f]) bad = "frame offsets decrease";
        else if (g_bounds[f + 1] - g_bounds[f] > widest) widest = g_bounds[f + 1] - g_bounds[f];
    }
    for (int64_t i = 0; !bad && i < p_off[n_frames]; i++)
        if (p_ord[i] < 0 || p_ord[i] >= n_pred || p_cls[p_ord[i]] < 0 || p_cls[p_ord[i]] >= n_cls)
            bad = "a detection or its class is out of range";
    for (int64_t j = 0; !bad && j < g_bounds[n_frames]; j++)
        if (g_cls[j] < 0 || g_cls[j] >= n_cls) bad = "a class is out of range";
    if (bad) {
        PyErr_Format(PyExc_ValueError, "confusion: %s", bad);
        goto done;
    }
    taken = malloc((size_t)widest);
    if (!taken) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    for (int64_t f = 0; f < n_frames; f++) {
        int64_t g0 = g_bounds[f], ng = g_bounds[f + 1] - g0;
        memset(taken, 0, (size_t)(ng > 0 ? ng : 1));
        for (int64_t s = p_off[f]; s < p_off[f + 1]; s++) {
            int64_t p = p_ord[s], best_j = -1;
            double best = 0.0;
            for (int64_t j = 0; j < ng; j++) {
                double v = taken[j] ? -1.0 : box_iou(p_xywh + 4 * p, g_xywh + 4 * (g0 + j), 0);
                if (best_j < 0 || v > best || (v != v && best == best)) {
                    best_j = j;
                    best = v;
                    if (v != v) break;  /* NaN: np.argmax stops at the first */
                }
            }
            if (best_j >= 0 && best >= iou_thr) {
                taken[best_j] = 1;
                out[g_cls[g0 + best_j] * stride + p_cls[p]] += 1;
            } else {
                out[bg * stride + p_cls[p]] += 1;
            }
        }
        for (int64_t j = 0; j < ng; j++)
            if (!taken[j]) out[g_cls[g0 + j] * stride + bg] += 1;
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    free(taken);
    release(a, 8);
    return result;
}

/* ---- ordering detections ---------------------------------------------------------------- */

/* group_order(keys, scores, n_keys, order): the permutation that sorts detections by key (their
 * (image, class) group), and within a group by score, highest first, ties in file order: what
 * np.lexsort((-scores, keys)) gives, as COCOeval's per-image mergesort orders them. A counting
 * sort by key, then a stable sort of each (small) group. */
static void sort_group(int64_t *idx, int64_t n, const double *score, int64_t *tmp) {
    if (n <= 32) {  /* insertion sort: stable, and groups are mostly small */
        for (int64_t i = 1; i < n; i++) {
            int64_t v = idx[i];
            int64_t j = i - 1;
            while (j >= 0 && score[idx[j]] < score[v]) {
                idx[j + 1] = idx[j];
                j--;
            }
            idx[j + 1] = v;
        }
        return;
    }
    int64_t half = n / 2;
    sort_group(idx, half, score, tmp);
    sort_group(idx + half, n - half, score, tmp);
    int64_t i = 0, j = half, k = 0;
    while (i < half && j < n) tmp[k++] = score[idx[j]] > score[idx[i]] ? idx[j++] : idx[i++];  /* ties: left first */
    while (i < half) tmp[k++] = idx[i++];
    while (j < n) tmp[k++] = idx[j++];
    memcpy(idx, tmp, sizeof(int64_t) * (size_t)n);
}

/* A large group (a whole class of a val set: tens of thousands) by LSD radix sort on the scores'
 * bits, stable like the merge sort and in a few passes over memory instead of log2(n) passes of
 * scattered score look-ups. The key orders doubles highest first; -0.0 is made 0.0 first, as the
 * comparisons treat them as equal (a tie, kept in file order). Scores are finite here. */
static void radix_group(int64_t *idx, int64_t n, const double *score, uint64_t *key, uint64_t *key2, int64_t *tmp) {
    for (int64_t i = 0; i < n; i++) {
        double v = score[idx[i]];
        if (v == 0) v = 0.0;
        uint64_t u;
        memcpy(&u, &v, sizeof u);
        u = (u >> 63) ? ~u : (u | 0x8000000000000000ULL);  /* ascending order of the doubles */
        key[i] = ~u;                                        /* descending */
    }
    /* all eight byte histograms in one pass: eight independent counters per key, rather than
     * one pass per byte whose increments, on keys sharing a byte, wait on each other */
    int64_t count[8][256];
    memset(count, 0, sizeof count);
    for (int64_t i = 0; i < n; i++) {
        uint64_t k = key[i];
        for (int b = 0; b < 8; b++) count[b][(k >> (8 * b)) & 255]++;
    }
    for (int b = 0; b < 8; b++) {
        int shift = 8 * b;
        if (count[b][(key[0] >> shift) & 255] == n) continue;  /* every key has this byte: nothing moves */
        int64_t total = 0;
        for (int v = 0; v < 256; v++) {
            int64_t c = count[b][v];
            count[b][v] = total;
            total += c;
        }
        for (int64_t i = 0; i < n; i++) {
            int64_t at = count[b][(key[i] >> shift) & 255]++;
            key2[at] = key[i];
            tmp[at] = idx[i];
        }
        memcpy(key, key2, sizeof(uint64_t) * (size_t)n);
        memcpy(idx, tmp, sizeof(int64_t) * (size_t)n);
    }
}

#define RADIX_FROM 1024

static PyObject *group_order(PyObject *self, PyObject *args) {
    PyObject *o[3];
    long long n_keys;
    if (!PyArg_ParseTuple(args, "OOLO", &o[0], &o[1], &n_keys, &o[2])) return NULL;
    Arg a[3];
    memset(a, 0, sizeof a);
    PyObject *result = NULL;
    if (PyObject_GetBuffer(o[0], &a[0].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[0].held = 1;
    int64_t n = a[0].b.len / 8;
    if (get(o[1], &a[1], 0, 8, n, "scores") || get(o[2], &a[2], 1, 8, n, "order")) goto done;
    const int64_t *keys = a[0].b.buf;
    const double *score = a[1].b.buf;
    int64_t *order = a[2].b.buf;
    /* tmp: first each key's next free slot (n_keys), then the merge buffer (n) */
    int64_t *start = calloc((size_t)n_keys + 1, sizeof(int64_t));
    int64_t *tmp = malloc(sizeof(int64_t) * (size_t)((n > n_keys ? n : n_keys) + 1));
    if (!start || !tmp) {
        free(start); free(tmp);
        PyErr_NoMemory();
        goto done;
    }
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    for (int64_t i = 0; i < n; i++) {
        if (keys[i] < 0 || keys[i] >= n_keys) { bad = 1; break; }
        start[keys[i] + 1]++;
    }
    if (!bad) {
        for (int64_t k = 0; k < n_keys; k++) start[k + 1] += start[k];
        memcpy(tmp, start, sizeof(int64_t) * (size_t)n_keys);  /* next free slot of each key */
        for (int64_t i = 0; i < n; i++) order[tmp[keys[i]]++] = i;
        int64_t widest = 0;
        for (int64_t k = 0; k < n_keys; k++)
            if (start[k + 1] - start[k] > widest) widest = start[k + 1] - start[k];
        uint64_t *keys_a = NULL, *keys_b = NULL;
        if (widest >= RADIX_FROM) {
            keys_a = malloc(sizeof(uint64_t) * (size_t)widest);
            keys_b = malloc(sizeof(uint64_t) * (size_t)widest);
        }
        for (int64_t k = 0; k < n_keys; k++) {
            int64_t len = start[k + 1] - start[k];
            if (len >= RADIX_FROM && keys_a && keys_b) radix_group(order + start[k], len, score, keys_a, keys_b, tmp);
            else if (len > 1) sort_group(order + start[k], len, score, tmp);
        }
        free(keys_a);
        free(keys_b);
    }
    Py_END_ALLOW_THREADS
    free(start); free(tmp);
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "group_order: a key outside [0, n_keys)");
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    release(a, 3);
    return result;
}

/* ---- an IoU matrix ---------------------------------------------------------------------- */

/* iou_matrix(d_xywh, g_xywh, crowd, out): out[i, j] = box_iou(d[i], g[j], crowd[j]) */
static PyObject *iou_matrix(PyObject *self, PyObject *args) {
    PyObject *o[4];
    if (!PyArg_ParseTuple(args, "OOOO", &o[0], &o[1], &o[2], &o[3])) return NULL;
    Arg a[4];
    memset(a, 0, sizeof a);
    PyObject *result = NULL;
    if (PyObject_GetBuffer(o[0], &a[0].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[0].held = 1;
    if (PyObject_GetBuffer(o[1], &a[1].b, PyBUF_C_CONTIGUOUS) < 0) goto done;
    a[1].held = 1;
    int64_t nd = a[0].b.len / 32, ng = a[1].b.len / 32;
    if (get(o[2], &a[2], 0, 1, ng, "crowd") || get(o[3], &a[3], 1, 8, nd * ng, "out")) goto done;
    const double *d = a[0].b.buf, *g = a[1].b.buf;
    const uint8_t *crowd = a[2].b.buf;
    double *out = a[3].b.buf;
    for (int64_t i = 0; i < nd; i++)
        for (int64_t j = 0; j < ng; j++) out[i * ng + j] = box_iou(d + 4 * i, g + 4 * j, crowd[j]);
    result = Py_None;
    Py_INCREF(result);
done:
    release(a, 4);
    return result;
}

static PyMethodDef methods[] = {
    {"match_groups", match_groups, METH_VARARGS, "COCO's greedy matching per (image, class) group."},
    {"accumulate", accumulate, METH_VARARGS, "COCOeval.accumulate's loop per class."},
    {"weighted_accumulate", weighted_accumulate, METH_VARARGS, "Accumulation for many image weightings."},
    {"tide_classify", tide_classify, METH_VARARGS, "TIDE's matching and error bins per image."},
    {"iou_matrix", iou_matrix, METH_VARARGS, "The evaluator's IoU of every detection with every box."},
    {"confusion", confusion, METH_VARARGS, "The class confusion matrix, greedy per frame."},
    {"group_order", group_order, METH_VARARGS, "Detections by group, then score, highest first (stable)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_coco_kernels", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__coco_kernels(void) { return PyModule_Create(&module); }
