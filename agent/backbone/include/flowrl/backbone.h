// flowrl/backbone.h — umbrella header of the flowrl backbone library (flowrl::backbone).
#pragma once

#include <flowrl/backbone/flow_attention.h>
#include <flowrl/backbone/flow_recurrent.h>
#include <flowrl/backbone/flowformer.h>
#include <flowrl/backbone/options.h>
#include <flowrl/backbone/precision.h>
#include <flowrl/backbone/softmax_attention.h>
#include <flowrl/backbone/runtime.h>
