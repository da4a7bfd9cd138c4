// Catch2 v2 main for every flowrl test executable.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
