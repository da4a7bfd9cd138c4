// flowrl/forecast.h — umbrella header of the forecasting library (flowrl::forecast).
#pragma once

#include <flowrl/forecast/config.h>
#include <flowrl/forecast/experiment.h>
#include <flowrl/forecast/models.h>
#include <flowrl/forecast/options.h>
#include <flowrl/forecast/trainer.h>
