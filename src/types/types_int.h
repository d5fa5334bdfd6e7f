/* src/types — OIDs and value codecs. May include: common. No framing (that
 * is src/protocol), no I/O, no allocation in decoders. */
#ifndef PGWIRE_TYPES_TYPES_INT_H
#define PGWIRE_TYPES_TYPES_INT_H

#include "pgwire/types.h"

#endif
