/* models.h - the runtime-model seam: which runtime the session's target runs, so that a command
 * asks that model for its neutral records. Go when the executable carries Go build information;
 * native (C, C++ and other ELF programs without a runtime heapscope models) otherwise. */
#ifndef HS_MODELS_H
#define HS_MODELS_H

#include "session.h"

typedef enum hs_model { HS_MODEL_GO, HS_MODEL_NATIVE } hs_model;

hs_model hs_session_model(const hs_session *s);

#endif
