#include "pgtest.h"
int main(void) { return 0; }
