// flowrl/collect.h — everything in flowrl::collect: rollouts of behaviour policies into D4RL-layout
// datasets, the named recipes (random, medium, expert, medium-expert, mixed), and the file checks.
#pragma once

#include <flowrl/collect/checks.h>
#include <flowrl/collect/recipes.h>
#include <flowrl/collect/rollout.h>
