/*
 * The templated core, compiled once per float type by core_f32.c and core_f64.c,
 * which define REAL, SFX(name) and the R_* math functions before including it.
 * One file per part, in the order a training step uses them.
 */
#include <stdlib.h>
#include <string.h>

#include "activation_impl.h"
#include "loss_impl.h"
#include "dense_impl.h"
#include "optimizer_impl.h"
#include "network_impl.h"
#include "train_impl.h"
#include "perceptron_impl.h"
