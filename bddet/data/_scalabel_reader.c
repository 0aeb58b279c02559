/* Scalabel det JSON (BDD100K det_20 labels and predictions) straight into flat arrays.
 *
 * One pass over the bytes, without a Python object per box: what Python's json, orjson or
 * msgspec would build (a dict or struct for every label) costs more than the evaluation itself
 * on a val-sized set. The scan runs without the GIL, so two files parse on two cores.
 *
 * It reads the well-formed case only: a list of frame objects, each with a string "name", an
 * optional "labels" list and an optional "attributes" object; labels with a string "category",
 * an optional "box2d" object of four numbers, a numeric "score", optional "attributes" and
 * "id". Anything else (the {"frames": ...} form, NaN, strings where numbers belong, an unknown
 * category, escapes in a category) returns None, and det_labels.py reads the file with its
 * general reader, which coerces as the official reader does or names the problem. So this
 * module never decides what a file means, only how fast a plain one is read.
 *
 * Numbers are converted by strtod_l in the C locale, correctly rounded as Python's float() is.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 512
#define HOT static inline __attribute__((always_inline))

/* Bytes that end the plain run of a string: the quote, a backslash, control characters, and
 * any byte of a multi-byte UTF-8 sequence, which is checked (Python's json, the official
 * reader, refuses a file that is not UTF-8; so does orjson). */
static unsigned char STRING_STOP[256];
/* JSON's whitespace. */
static unsigned char SPACE[256];

static void init_tables(void) {
    for (int c = 0; c < 0x20; c++) STRING_STOP[c] = 1;
    for (int c = 0x80; c < 0x100; c++) STRING_STOP[c] = 1;
    STRING_STOP['"'] = STRING_STOP['\\'] = 1;
    SPACE[' '] = SPACE['\n'] = SPACE['\r'] = SPACE['\t'] = 1;
}

typedef struct {
    const char *start, *p, *end;
    int failed;
    int depth;
} Scan;

typedef struct {
    char *data;
    size_t len, cap;
} Buf;

HOT int buf_put(Buf *b, const void *src, size_t n) {
    if (__builtin_expect(b->len + n > b->cap, 0)) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) return -1;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, src, n);
    b->len += n;
    return 0;
}

typedef struct {
    const char *name;
    Py_ssize_t len;
    int64_t cls;
    uint8_t ignored;
} Category;

typedef struct {
    Category *cats;
    Py_ssize_t n_cats;
    int predictions;
    locale_t c_locale;
    /* frames */
    Buf name_spans;      /* int64 start, end, escaped */
    Buf attr_spans;      /* int64 start, end (-1 when absent or null) */
    /* boxes */
    Buf frame_of;        /* int64 */
    Buf label_pos;       /* int32: the box's position in its frame's labels (labels without a box count) */
    Buf cls;             /* int64 */
    Buf ignore;          /* uint8 */
    Buf box;             /* double x4 */
    Buf score;           /* double */
    Buf pending;         /* int64 label, crowd start, end, ignored start, end: flags for Python */
    int64_t n_frames, n_labels, without_id;
} Out;

HOT void ws(Scan *s) {
    while (s->p < s->end && SPACE[(unsigned char)*s->p]) s->p++;
}

HOT int peek(Scan *s) {
    ws(s);
    return s->p < s->end ? (unsigned char)*s->p : -1;
}

HOT int take(Scan *s, char c) {
    if (peek(s) == c) {
        s->p++;
        return 1;
    }
    return 0;
}

/* The length of the well-formed UTF-8 sequence at p (2 to 4 bytes), or 0: no overlong forms,
 * no surrogates (U+D800..DFFF), nothing above U+10FFFF, as Python's strict decoder. */
HOT int utf8_sequence(const unsigned char *p, const unsigned char *end) {
    unsigned char c = p[0];
    if (c < 0xC2 || c > 0xF4) return 0;
    int n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (end - p < n) return 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c == 0xE0) lo = 0xA0;
    else if (c == 0xED) hi = 0x9F;
    else if (c == 0xF0) lo = 0x90;
    else if (c == 0xF4) hi = 0x8F;
    if (p[1] < lo || p[1] > hi) return 0;
    for (int k = 2; k < n; k++)
        if (p[k] < 0x80 || p[k] > 0xBF) return 0;
    return n;
}

/* A string token: [*a, *b) is its body; *escaped when it holds a backslash. */
HOT int string_span(Scan *s, const char **a, const char **b, int *escaped) {
    if (peek(s) != '"') return 0;
    s->p++;
    *a = s->p;
    *escaped = 0;
    while (s->p < s->end) {
        while (s->p < s->end && !STRING_STOP[(unsigned char)*s->p]) s->p++;  /* the plain run */
        if (s->p >= s->end) return 0;
        unsigned char c = (unsigned char)*s->p;
        if (c == '"') {
            *b = s->p;
            s->p++;
            return 1;
        }
        if (c < 0x20) return 0;  /* JSON allows no raw control characters in a string */
        if (c >= 0x80) {
            int n = utf8_sequence((const unsigned char *)s->p, (const unsigned char *)s->end);
            if (!n) return 0;
            s->p += n;
            continue;
        }
        if (c == '\\') {
            *escaped = 1;
            s->p++;
            if (s->p >= s->end) return 0;
            c = (unsigned char)*s->p;
            if (c == 'u') {
                if (s->end - s->p < 5) return 0;
                for (int k = 1; k <= 4; k++) {
                    char h = s->p[k];
                    if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) return 0;
                }
                s->p += 5;
                continue;
            }
            if (!strchr("\"\\/bfnrt", c) || c == 0) return 0;
        }
        s->p++;
    }
    return 0;
}

static const double POW10[23] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
                                 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A JSON number, grammar checked, then converted exactly. Most numbers in these files have
 * few digits: their decimal mantissa m < 2^53 and 10^k (|k| <= 22) are exact doubles, so one
 * IEEE multiplication or division gives the correctly rounded value (Clinger's fast path);
 * any other number goes to strtod_l, also correctly rounded. Either way the value is what
 * Python's float() gives for the same text. */
HOT int number(Scan *s, Out *o, double *value) {
    ws(s);
    const char *q = s->p;
    int neg = 0, exact = 1;
    uint64_t mant = 0;
    int exp10 = 0;
    if (q < s->end && *q == '-') {
        neg = 1;
        q++;
    }
    if (q >= s->end) return 0;
    if (*q == '0') {
        q++;
    } else if (*q >= '1' && *q <= '9') {
        while (q < s->end && *q >= '0' && *q <= '9') {
            if (mant < (1ULL << 53) / 10) mant = mant * 10 + (uint64_t)(*q - '0');
            else exact = 0;
            q++;
        }
    } else {
        return 0;
    }
    if (q < s->end && *q == '.') {
        q++;
        if (q >= s->end || !(*q >= '0' && *q <= '9')) return 0;
        while (q < s->end && *q >= '0' && *q <= '9') {
            if (mant < (1ULL << 53) / 10) {
                mant = mant * 10 + (uint64_t)(*q - '0');
                exp10--;
            } else {
                exact = 0;
            }
            q++;
        }
    }
    if (q < s->end && (*q == 'e' || *q == 'E')) {
        q++;
        int eneg = 0, e = 0;
        if (q < s->end && (*q == '+' || *q == '-')) eneg = *q++ == '-';
        if (q >= s->end || !(*q >= '0' && *q <= '9')) return 0;
        while (q < s->end && *q >= '0' && *q <= '9') {
            if (e < 10000) e = e * 10 + (*q - '0');
            q++;
        }
        exp10 += eneg ? -e : e;
    }
    if (exact && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mant;
        v = exp10 < 0 ? v / POW10[-exp10] : v * POW10[exp10];
        *value = neg ? -v : v;
        s->p = q;
        return 1;
    }
    /* The byte after a number is a delimiter (or the bytes object's terminating NUL), so
     * strtod stops exactly where the grammar did. */
    char *stop;
    *value = strtod_l(s->p, &stop, o->c_locale);
    if (stop != q) return 0;
    s->p = q;
    return 1;
}

HOT int literal(Scan *s, const char *word) {
    size_t n = __builtin_strlen(word);
    ws(s);
    if ((size_t)(s->end - s->p) >= n && memcmp(s->p, word, n) == 0) {
        s->p += n;
        return 1;
    }
    return 0;
}

static int skip_value(Scan *s, Out *o);

static int skip_container(Scan *s, Out *o, char close, int object) {
    if (++s->depth > MAX_DEPTH) return 0;
    s->p++;
    if (take(s, close)) {
        s->depth--;
        return 1;
    }
    for (;;) {
        if (object) {
            const char *a, *b;
            int e;
            if (!string_span(s, &a, &b, &e) || !take(s, ':')) return 0;
        }
        if (!skip_value(s, o)) return 0;
        if (take(s, ',')) continue;
        if (take(s, close)) break;
        return 0;
    }
    s->depth--;
    return 1;
}

static int skip_value(Scan *s, Out *o) {
    int c = peek(s);
    const char *a, *b;
    int e;
    double v;
    switch (c) {
        case '"': return string_span(s, &a, &b, &e);
        case '{': return skip_container(s, o, '}', 1);
        case '[': return skip_container(s, o, ']', 0);
        case 't': return literal(s, "true");
        case 'f': return literal(s, "false");
        case 'n': return literal(s, "null");
        default: return number(s, o, &v);
    }
}

HOT int key_is(const char *a, const char *b, const char *word) {
    size_t n = __builtin_strlen(word);  /* a literal at every call: folded, and the memcmp inlined */
    return (size_t)(b - a) == n && __builtin_memcmp(a, word, n) == 0;
}

/* A crowd/ignored value: 1 true, 0 false, -1 "ask Python" (a string, another number...), -2 bad
 * JSON. [*a, *b) is the value's text either way. */
static int flag_value(Scan *s, Out *o, const char **a, const char **b) {
    ws(s);
    *a = s->p;
    int result;
    if (literal(s, "true")) {
        result = 1;
    } else if (literal(s, "false") || literal(s, "null")) {
        result = 0;
    } else if (peek(s) == '-' || (peek(s) >= '0' && peek(s) <= '9')) {
        double v;
        if (!number(s, o, &v)) return -2;
        result = v == 1.0 ? 1 : v == 0.0 ? 0 : -1;
    } else {
        if (!skip_value(s, o)) return -2;
        result = -1;
    }
    *b = s->p;
    return result;
}

static int put64(Buf *b, int64_t v) { return buf_put(b, &v, sizeof v); }

static int label(Scan *s, Out *o, int64_t frame, int32_t position) {
    if (peek(s) != '{') return 0;
    s->p++;
    const char *cat_a = NULL, *cat_b = NULL;
    int cat_escaped = 0, cat_string = 0, has_cat = 0, has_box = 0, has_score = 0, has_id = 0;
    int has_attrs = 0, attrs_keys = 0;
    int crowd = 0, ignored = 0;               /* 1 true, 0 false, -1 Python decides */
    const char *crowd_a = NULL, *crowd_b = NULL, *ign_a = NULL, *ign_b = NULL;
    double box[4] = {0, 0, 0, 0}, score = 0;
    if (!take(s, '}')) {
        for (;;) {
            const char *ka, *kb;
            int ke;
            if (!string_span(s, &ka, &kb, &ke) || !take(s, ':')) return 0;
            if (key_is(ka, kb, "category")) {
                has_cat = 1;
                cat_string = string_span(s, &cat_a, &cat_b, &cat_escaped);
                if (!cat_string) return 0;
            } else if (key_is(ka, kb, "box2d")) {
                if (literal(s, "null")) {
                    has_box = 0;
                } else {
                    if (!take(s, '{')) return 0;
                    int seen = 0;
                    if (!take(s, '}')) {
                        for (;;) {
                            const char *ba, *bb;
                            int be;
                            if (!string_span(s, &ba, &bb, &be) || !take(s, ':')) return 0;
                            int k = key_is(ba, bb, "x1") ? 0 : key_is(ba, bb, "y1") ? 1 : key_is(ba, bb, "x2") ? 2
                                    : key_is(ba, bb, "y2") ? 3 : -1;
                            if (k >= 0) {
                                if (!number(s, o, &box[k])) return 0;
                                seen |= 1 << k;
                            } else if (!skip_value(s, o)) {
                                return 0;
                            }
                            if (take(s, ',')) continue;
                            if (take(s, '}')) break;
                            return 0;
                        }
                    }
                    if (seen != 15) return 0;  /* a coordinate missing: the general reader names it */
                    has_box = 1;
                }
            } else if (key_is(ka, kb, "score")) {
                if (literal(s, "null")) return 0;
                if (!number(s, o, &score)) return 0;
                has_score = 1;
            } else if (key_is(ka, kb, "attributes")) {
                if (literal(s, "null")) {
                    has_attrs = 0;
                } else {
                    if (!take(s, '{')) return 0;
                    has_attrs = 1;
                    attrs_keys = 0;
                    crowd = ignored = 0;
                    crowd_a = ign_a = NULL;
                    if (!take(s, '}')) {
                        for (;;) {
                            const char *aa, *ab;
                            int ae;
                            if (!string_span(s, &aa, &ab, &ae) || !take(s, ':')) return 0;
                            attrs_keys++;
                            if (key_is(aa, ab, "crowd")) {
                                crowd = flag_value(s, o, &crowd_a, &crowd_b);
                                if (crowd == -2) return 0;
                            } else if (key_is(aa, ab, "ignored")) {
                                ignored = flag_value(s, o, &ign_a, &ign_b);
                                if (ignored == -2) return 0;
                            } else if (!skip_value(s, o)) {
                                return 0;
                            }
                            if (take(s, ',')) continue;
                            if (take(s, '}')) break;
                            return 0;
                        }
                    }
                }
            } else if (key_is(ka, kb, "id")) {
                has_id = 1;
                if (!skip_value(s, o)) return 0;
            } else if (!skip_value(s, o)) {
                return 0;
            }
            if (take(s, ',')) continue;
            if (take(s, '}')) break;
            return 0;
        }
    }
    if (!has_id) o->without_id++;
    if (!has_box) return 1;  /* the official converter skips labels without a box */
    if (!has_cat || !cat_string || cat_escaped) return 0;
    if (o->predictions && !has_score) return 0;
    if (!isfinite(box[0]) || !isfinite(box[1]) || !isfinite(box[2]) || !isfinite(box[3])) return 0;
    if (o->predictions && !isfinite(score)) return 0;
    const Category *cat = NULL;
    Py_ssize_t n = cat_b - cat_a;
    for (Py_ssize_t k = 0; k < o->n_cats; k++) {
        if (o->cats[k].len == n && o->cats[k].name[0] == cat_a[0] && memcmp(o->cats[k].name, cat_a, (size_t)n) == 0) {
            cat = &o->cats[k];
            break;
        }
    }
    if (!cat) return 0;  /* an unknown category: the general reader's message names it */
    uint8_t ign = cat->ignored;
    if (!ign && has_attrs && attrs_keys > 0) {
        if (crowd == -1 || ignored == -1) {  /* pydantic's coercion of odd values: Python's to apply */
            int64_t rec[5] = {o->n_labels, crowd_a ? crowd_a - s->start : -1, crowd_a ? crowd_b - s->start : -1,
                              ign_a ? ign_a - s->start : -1, ign_a ? ign_b - s->start : -1};
            if (buf_put(&o->pending, rec, sizeof rec)) return 0;
        } else {
            ign = (uint8_t)(crowd == 1 || ignored == 1);
        }
    }
    if (put64(&o->frame_of, frame) || buf_put(&o->label_pos, &position, sizeof position)
        || put64(&o->cls, cat->cls) || buf_put(&o->ignore, &ign, 1)
        || buf_put(&o->box, box, sizeof box)) return 0;
    if (o->predictions && buf_put(&o->score, &score, sizeof score)) return 0;
    o->n_labels++;
    return 1;
}

static int frame(Scan *s, Out *o) {
    if (peek(s) != '{') return 0;
    s->p++;
    int64_t fi = o->n_frames;
    int64_t name[3] = {-1, -1, 0}, attrs[2] = {-1, -1};
    if (!take(s, '}')) {
        for (;;) {
            const char *ka, *kb;
            int ke;
            if (!string_span(s, &ka, &kb, &ke) || !take(s, ':')) return 0;
            if (key_is(ka, kb, "name")) {
                const char *a, *b;
                int e;
                if (!string_span(s, &a, &b, &e)) return 0;
                name[0] = a - s->start;
                name[1] = b - s->start;
                name[2] = e;
            } else if (key_is(ka, kb, "labels")) {
                if (!literal(s, "null")) {
                    if (!take(s, '[')) return 0;
                    if (!take(s, ']')) {
                        for (int32_t li = 0;; li++) {
                            if (!label(s, o, fi, li)) return 0;
                            if (take(s, ',')) continue;
                            if (take(s, ']')) break;
                            return 0;
                        }
                    }
                }
            } else if (key_is(ka, kb, "attributes")) {
                if (literal(s, "null")) {
                    attrs[0] = attrs[1] = -1;
                } else {
                    if (peek(s) != '{') return 0;
                    attrs[0] = s->p - s->start;
                    if (!skip_value(s, o)) return 0;
                    attrs[1] = s->p - s->start;
                }
            } else if (!skip_value(s, o)) {
                return 0;
            }
            if (take(s, ',')) continue;
            if (take(s, '}')) break;
            return 0;
        }
    }
    if (name[0] < 0) return 0;  /* a frame needs its name */
    if (buf_put(&o->name_spans, name, sizeof name) || buf_put(&o->attr_spans, attrs, sizeof attrs)) return 0;
    o->n_frames++;
    return 1;
}

static int scan_file(Scan *s, Out *o) {
    if (!take(s, '[')) return 0;
    if (!take(s, ']')) {
        for (;;) {
            if (!frame(s, o)) return 0;
            if (take(s, ',')) continue;
            if (take(s, ']')) break;
            return 0;
        }
    }
    ws(s);
    return s->p == s->end;
}

/* A JSON string body with escapes, as a Python str (None for a lone surrogate: the general
 * reader handles it). */
static PyObject *unescape(const char *a, const char *b) {
    char *out = malloc((size_t)(b - a) + 1);
    if (!out) return PyErr_NoMemory();
    size_t n = 0;
    for (const char *p = a; p < b; p++) {
        if (*p != '\\') {
            out[n++] = *p;
            continue;
        }
        p++;
        switch (*p) {
            case 'b': out[n++] = '\b'; break;
            case 'f': out[n++] = '\f'; break;
            case 'n': out[n++] = '\n'; break;
            case 'r': out[n++] = '\r'; break;
            case 't': out[n++] = '\t'; break;
            case 'u': {
                unsigned cp = (unsigned)strtoul((char[5]){p[1], p[2], p[3], p[4], 0}, NULL, 16);
                p += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF && b - p > 6 && p[1] == '\\' && p[2] == 'u') {
                    unsigned lo = (unsigned)strtoul((char[5]){p[3], p[4], p[5], p[6], 0}, NULL, 16);
                    if (lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        p += 6;
                    }
                }
                if (cp >= 0xD800 && cp <= 0xDFFF) {
                    free(out);
                    Py_RETURN_NONE;
                }
                if (cp < 0x80) out[n++] = (char)cp;
                else if (cp < 0x800) {
                    out[n++] = (char)(0xC0 | (cp >> 6));
                    out[n++] = (char)(0x80 | (cp & 0x3F));
                } else if (cp < 0x10000) {
                    out[n++] = (char)(0xE0 | (cp >> 12));
                    out[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                    out[n++] = (char)(0x80 | (cp & 0x3F));
                } else {
                    out[n++] = (char)(0xF0 | (cp >> 18));
                    out[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
                    out[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                    out[n++] = (char)(0x80 | (cp & 0x3F));
                }
                break;
            }
            default: out[n++] = *p;  /* \" \\ \/ */
        }
    }
    PyObject *text = PyUnicode_DecodeUTF8(out, (Py_ssize_t)n, "strict");
    free(out);
    return text;
}

static void out_free(Out *o) {
    free(o->name_spans.data); free(o->attr_spans.data); free(o->frame_of.data); free(o->label_pos.data);
    free(o->cls.data);
    free(o->ignore.data); free(o->box.data); free(o->score.data); free(o->pending.data);
    free(o->cats);
    if (o->c_locale) freelocale(o->c_locale);
}

static PyObject *as_bytes(const Buf *b) {
    return PyBytes_FromStringAndSize(b->data ? b->data : "", (Py_ssize_t)b->len);
}

/* parse(data: bytes, predictions: bool, categories: list[tuple[bytes, int, bool]]) ->
 *   None, or (names, attribute spans, frame, label position, cls, ignore, box, score, pending,
 *   without_id) */
static PyObject *parse(PyObject *self, PyObject *args) {
    Py_buffer view;
    int predictions;
    PyObject *categories;
    if (!PyArg_ParseTuple(args, "y*pO!", &view, &predictions, &PyList_Type, &categories)) return NULL;
    Out o = {0};
    o.predictions = predictions;
    o.n_cats = PyList_GET_SIZE(categories);
    o.cats = calloc((size_t)(o.n_cats ? o.n_cats : 1), sizeof(Category));
    o.c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    PyObject *result = NULL;
    if (!o.cats || !o.c_locale) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < o.n_cats; k++) {
        PyObject *item = PyList_GET_ITEM(categories, k);
        char *name;
        Py_ssize_t len;
        long long cls;
        int ignored;
        PyObject *name_obj;
        if (!PyArg_ParseTuple(item, "OLp", &name_obj, &cls, &ignored)) goto done;
        if (PyBytes_AsStringAndSize(name_obj, &name, &len) < 0) goto done;
        o.cats[k] = (Category){name, len, (int64_t)cls, (uint8_t)ignored};
    }
    Scan s = {view.buf, view.buf, (const char *)view.buf + view.len, 0, 0};
    int ok;
    Py_BEGIN_ALLOW_THREADS
    ok = scan_file(&s, &o);
    Py_END_ALLOW_THREADS
    if (!ok) {
        result = Py_None;
        Py_INCREF(result);
        goto done;
    }
    PyObject *names = PyList_New((Py_ssize_t)o.n_frames);
    if (!names) goto done;
    const int64_t *spans = (const int64_t *)o.name_spans.data;
    for (int64_t f = 0; f < o.n_frames; f++) {
        const char *a = (const char *)view.buf + spans[3 * f], *b = (const char *)view.buf + spans[3 * f + 1];
        PyObject *text = spans[3 * f + 2] ? unescape(a, b) : PyUnicode_DecodeUTF8(a, b - a, "strict");
        if (!text || text == Py_None) {  /* not UTF-8, or a lone surrogate: the general reader's case */
            Py_XDECREF(text);
            PyErr_Clear();
            Py_DECREF(names);
            result = Py_None;
            Py_INCREF(result);
            goto done;
        }
        PyList_SET_ITEM(names, (Py_ssize_t)f, text);
    }
    result = Py_BuildValue("(NNNNNNNNNL)", names, as_bytes(&o.attr_spans), as_bytes(&o.frame_of),
                           as_bytes(&o.label_pos), as_bytes(&o.cls),
                           as_bytes(&o.ignore), as_bytes(&o.box), as_bytes(&o.score), as_bytes(&o.pending),
                           (long long)o.without_id);
done:
    out_free(&o);
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef methods[] = {
    {"parse", parse, METH_VARARGS, "Scalabel det JSON bytes as flat arrays, or None for the general reader."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_scalabel_reader", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__scalabel_reader(void) {
    init_tables();
    return PyModule_Create(&module);
}
