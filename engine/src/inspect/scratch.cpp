#include "inspect/scratch.hpp"
