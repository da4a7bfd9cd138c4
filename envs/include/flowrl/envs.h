// flowrl/envs.h — everything in flowrl::envs: the Env interface, the Gym locomotion envs, the
// registry, the vectorized env, evaluation and D4RL scores.
#pragma once

#include <flowrl/envs/assets.h>
#include <flowrl/envs/env.h>
#include <flowrl/envs/evaluate.h>
#include <flowrl/envs/gym_locomotion.h>
#include <flowrl/envs/locomotion_env.h>
#include <flowrl/envs/random.h>
#include <flowrl/envs/registry.h>
#include <flowrl/envs/scores.h>
#include <flowrl/envs/thread_pool.h>
#include <flowrl/envs/vector_env.h>
