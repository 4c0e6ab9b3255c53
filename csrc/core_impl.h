/*
 * The templated core, compiled once per float type by core_f32.c and core_f64.c,
 * which define REAL, SFX(name) and the R_* math functions (csrc/vmath.h's, which
 * vectorise, and sqrt) before including it.
 * One file per part, in the order a training step uses them.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"

/* NNF_HOT marks the flat loops that run over every parameter or activation of a
 * minibatch. On x86-64 with glibc they are compiled three times (baseline SSE2,
 * x86-64-v3 = AVX2+FMA, x86-64-v4 = AVX-512) and the dynamic loader picks the
 * copy for the CPU it runs on, so wheels stay portable. The build defines
 * NNFAST_HAVE_TARGET_CLONES only for GCC where a test program with those clones
 * compiles and links (CMakeLists.txt): not on musl or macOS (no ifunc), not on
 * aarch64, not with clang, not in a -march=native build (NNFAST_NATIVE).
 * Elsewhere there is one copy. */
#ifndef NNF_HOT
#if defined(NNFAST_HAVE_TARGET_CLONES) && !defined(NNFAST_NATIVE)
#define NNF_HOT __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define NNF_HOT
#endif
#endif

#include "activation_impl.h"
#include "loss_impl.h"
#include "dense_impl.h"
#include "optimizer_impl.h"
#include "network_impl.h"
#include "train_impl.h"
#include "perceptron_impl.h"
#include "elementary_impl.h"
