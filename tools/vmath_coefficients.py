"""Writes csrc/vmath_poly.h: the polynomials of nnfast's elementary functions (csrc/vmath.h).

Each polynomial is a weighted least-squares fit, in 40-digit arithmetic (mpmath),
on Chebyshev nodes of its interval -- close to the minimax polynomial -- rounded
to the float type. A rational function P / Q is fitted the same way, linearised
(P - f Q, reweighted by the last Q until it settles). The fit's own error is
printed and written beside it (a rational's with its coefficients rounded, which
is where its error grows if Q cancels); the error of the C functions as a whole
is measured by tests/ulp/ulp_check.c.

    python tools/vmath_coefficients.py > csrc/vmath_poly.h
"""

import re

import mpmath as mp

mp.mp.dps = 40

LN2_HALF = mp.log(2) / 2
# |s| = |f / (2 + f)| for f in [sqrt(1/2) - 1, sqrt(2) - 1], squared
S2_MAX = ((mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)) ** 2


def exp_p(r):
    """(exp(r) - 1 - r) / r^2: exp(r) = 1 + r + r^2 P(r), expm1(r) = r + r^2 P(r)."""
    return (mp.exp(r) - 1 - r) / r**2 if r else mp.mpf(1) / 2


def log_q(z):
    """(2 atanh(s) - 2 s) / s^3 at z = s^2: log1p(f) = 2s + s z Q(z), s = f / (2 + f)."""
    s = mp.sqrt(z)
    return (2 * mp.atanh(s) - 2 * s) / s**3 if z else mp.mpf(2) / 3


def erf_a(u):
    """erf(x) / x - 1 at u = x^2: erf(x) = x + x P(x^2) for |x| < 1."""
    x = mp.sqrt(u)
    return (mp.erf(x) / x if u else 2 / mp.sqrt(mp.pi)) - 1


def erf_a_weight(u):
    # P's error reaches erf(x) relative to erf(x) / x
    return 1 / (erf_a(u) + 1)


def tanh_p(u):
    """(tanh(x) - x) / x^3 at u = x^2: tanh(x) = x + x u P(u) for |x| <= 0.55."""
    x = mp.sqrt(u)
    return (mp.tanh(x) - x) / x**3 if u else -mp.mpf(1) / 3


def tanh_p_weight(u):
    # P's error reaches tanh(x) times u x / tanh(x)
    x = mp.sqrt(u)
    return u * x / mp.tanh(x) if u else u


def erfcx(x):
    """exp(x^2) erfc(x): erf(x) = 1 - exp(-x^2) Q(x) for x >= 1."""
    return mp.erfc(x) * mp.exp(x * x)


def fit(f, weight, a, b, degree, centre=0):
    """Coefficients c[k] of sum c[k] (x - centre)^k minimising weight * (p - f) at
    Chebyshev nodes of [a, b], and the largest weighted error on a fine grid."""
    n = 8 * (degree + 1)
    nodes = [(a + b) / 2 + (b - a) / 2 * mp.cos(mp.pi * (i + mp.mpf(1) / 2) / n)
             for i in range(n)]
    A = mp.matrix(n, degree + 1)
    y = mp.matrix(n, 1)
    for i, x in enumerate(nodes):
        w = weight(x)
        for k in range(degree + 1):
            A[i, k] = w * (x - centre) ** k
        y[i] = w * f(x)
    c = mp.qr_solve(A, y)[0]
    c = [c[k] for k in range(degree + 1)]
    grid = [a + (b - a) * mp.mpf(i) / 4000 for i in range(4001)]
    error = max(abs(weight(x) * (mp.polyval(c[::-1], x - centre) - f(x))) for x in grid)
    return c, error


def fit_rational(f, weight, a, b, n, m, centre, ctype):
    """Coefficients p[k], q[k] (q[0] = 1) of P(t) / Q(t), t = x - centre, of
    degrees n and m, minimising weight * (P / Q - f) at Chebyshev nodes of [a, b]:
    the linear problem weight * (P - f Q) / Q_last, solved again with the new Q
    until it settles (Sanathanan-Koerner). The largest weighted error on a fine
    grid is that of the coefficients rounded to ctype."""
    count = 8 * (n + m + 2)
    nodes = [(a + b) / 2 + (b - a) / 2 * mp.cos(mp.pi * (i + mp.mpf(1) / 2) / count)
             for i in range(count)]
    values = [f(x) for x in nodes]
    weights = [weight(x) for x in nodes]
    q_last = [mp.mpf(1)] * count
    for _ in range(10):
        A = mp.matrix(count, n + 1 + m)
        y = mp.matrix(count, 1)
        for i, x in enumerate(nodes):
            w = weights[i] / q_last[i]
            for k in range(n + 1):
                A[i, k] = w * (x - centre) ** k
            for k in range(1, m + 1):
                A[i, n + k] = -w * values[i] * (x - centre) ** k
            y[i] = w * values[i]
        c = mp.qr_solve(A, y)[0]
        p = [c[k] for k in range(n + 1)]
        q = [mp.mpf(1)] + [c[n + k] for k in range(1, m + 1)]
        q_last = [mp.polyval(q[::-1], x - centre) for x in nodes]
    rounded_p = [mp.mpf(literal_value(v, ctype)) for v in p]
    rounded_q = [mp.mpf(literal_value(v, ctype)) for v in q]
    grid = [a + (b - a) * mp.mpf(i) / 4000 for i in range(4001)]
    error = max(abs(weight(x) * (mp.polyval(rounded_p[::-1], x - centre)
                                 / mp.polyval(rounded_q[::-1], x - centre) - f(x)))
                for x in grid)
    return p, q, error


def literal_value(value, ctype):
    """value rounded to ctype (as a Python float, which holds either exactly)."""
    bits = 24 if ctype == "float" else 53
    m, e = mp.frexp(value)  # value = m 2^e, 0.5 <= |m| < 1
    return float(mp.nint(m * 2**bits) * mp.mpf(2) ** (e - bits))


def literal(value, ctype):
    """A C hexadecimal literal of value rounded to ctype."""
    text = literal_value(value, ctype).hex()
    text = re.sub(r"\.?0+p", "p", text)
    return text + ("f" if ctype == "float" else "")


def estrin(name, ctype, var, coeffs, what, error=None):
    """A C function evaluating sum(coeffs[k] var^k) in Estrin's scheme: pairs
    c[2i] + var c[2i+1], then pairs of those joined by var^2, then by var^4, ...
    As many operations as Horner's rule, but the longest chain of dependent ones
    grows as 2 log2(degree) instead of 2 degree. That chain is what bounds the
    vectorised activation loops (an out-of-order core keeps only two or three
    iterations of them in flight): float64 softplus's forward went from 3.35 to
    2.69 ns per element with AVX-512."""
    level = [literal(c, ctype) for c in coeffs]
    power, decls = var, []
    while len(level) > 1:
        level = [f"({a} + {power} * {b})" if b is not None else a
                 for a, b in zip(level[::2], level[1::2] + [None])]
        if len(level) > 1:
            square = f"{var}{2 * int(power[len(var):] or 1)}"
            decls.append(f"    {ctype} {square} = {power} * {power};\n")
            power = square
    expr = level[0][1:-1]  # without the last join's parentheses
    if error is not None:
        what = f"{what}; weighted fit error {mp.nstr(error, 3)}"
    return (f"/* {what} */\n"
            f"static inline {ctype} {name}({ctype} {var})\n{{\n{''.join(decls)}"
            f"    return {expr};\n}}\n")


def relative(f):
    return lambda x: 1 / abs(f(x))


def erf_weight(x):
    # the error of Q(x) reaches erf(x) scaled by erfc(x): weigh it so
    return mp.erfc(x) / (mp.erf(x) * erfcx(x))


POLYNOMIALS = [
    # name, function, weight, interval, degree per type, centre, what
    ("exp_p", exp_p, relative(exp_p), (-0.35, 0.35), {"float": 4, "double": 9}, 0,
     "(exp(r) - 1 - r) / r^2 for |r| <= ln(2) / 2"),
    ("log_q", log_q, relative(log_q), (0, S2_MAX), {"float": 3, "double": 7}, 0,
     "(2 atanh(s) - 2 s) / s^3 at z = s^2 <= (3 - 2 sqrt(2))^2"),
    ("erf_a", erf_a, erf_a_weight, (0, 1), {"float": 6, "double": 11}, 0,
     "erf(x) / x - 1 at u = x^2 <= 1 (error relative to erf(x) / x)"),
    ("tanh_p", tanh_p, tanh_p_weight, (0, 0.3025), {"float": 4, "double": 9}, 0,
     "(tanh(x) - x) / x^3 at u = x^2 <= 0.55^2 (error relative to tanh(x))"),
]

RATIONALS = [
    # name, function, weight, interval, degrees (P, Q) per type, centre, what.
    # A polynomial in x - c fits erfcx's 1/x-like fall slowly (degree 8 float on
    # [1, 3.95], 19 double on [1, 6]); P / Q does it in 2 + 3 and 5 + 6. Centred
    # at 1, t = x - 1 >= 0 and every coefficient is positive: P and Q have no
    # cancellation to round.
    ("erfcx_f32", erfcx, erf_weight, (1, 3.95), {"float": (2, 3)}, mp.mpf(1),
     "exp(x^2) erfc(x) = P(t) / Q(t) at t = x - 1, 1 <= x <= 3.95 (weighted: its error"
     " reaches erf times erfc(x) / erf(x))"),
    ("erfcx_f64", erfcx, erf_weight, (1, 6), {"double": (5, 6)}, mp.mpf(1),
     "exp(x^2) erfc(x) = P(t) / Q(t) at t = x - 1, 1 <= x <= 6 (weighted as erfcx_f32)"),
]


def main():
    print("/* Generated by tools/vmath_coefficients.py; do not edit. The polynomials of")
    print(" * csrc/vmath.h, each in Estrin's scheme, and the numerator and denominator")
    print(" * (_p, _q) of its rational functions. */")
    print("#ifndef NNF_VMATH_POLY_H\n#define NNF_VMATH_POLY_H")
    for name, f, weight, (a, b), degrees, centre, what in POLYNOMIALS:
        for ctype, degree in degrees.items():
            c, error = fit(f, weight, mp.mpf(a), mp.mpf(b), degree, centre)
            suffix = "f" if ctype == "float" else ""
            var = {"exp_p": "r", "log_q": "z", "erf_a": "u", "tanh_p": "u"}.get(name, "t")
            fname = f"nnf__{name}{suffix}" if not name.endswith(("_f32", "_f64")) else f"nnf__{name[:-4]}{suffix}"
            print()
            print(estrin(fname, ctype, var, c, f"{what}, degree {degree}", error), end="")
    for name, f, weight, (a, b), degrees, centre, what in RATIONALS:
        for ctype, (n, m) in degrees.items():
            p, q, error = fit_rational(f, weight, mp.mpf(a), mp.mpf(b), n, m, centre, ctype)
            suffix = "f" if ctype == "float" else ""
            name = name[:-4] if name.endswith(("_f32", "_f64")) else name
            print()
            print(estrin(f"nnf__{name}_p{suffix}", ctype, "t", p,
                         f"{what}: P, degree {n}; weighted fit error of P / Q with its"
                         f" coefficients rounded {mp.nstr(error, 3)}"), end="")
            print()
            print(estrin(f"nnf__{name}_q{suffix}", ctype, "t", q, f"Q of nnf__{name}_p{suffix},"
                         f" degree {m}"), end="")
    print("\n#endif")


if __name__ == "__main__":
    main()
