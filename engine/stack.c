/* Stack definitions (see stack.h). */
#include "engine/stack.h"

typedef int stack_placeholder;
