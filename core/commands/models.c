/* models.c - which runtime model a session's target has (models.h). */
#include "models.h"

#include "../image/go_buildinfo.h"

hs_model hs_session_model(const hs_session *s)
{
    char version[64], mainpath[8];
    hs_err e;
    if (s->go)
        return HS_MODEL_GO;
    return go_buildinfo_read(s->exe, version, sizeof version, mainpath, sizeof mainpath, &e) < 0
               ? HS_MODEL_NATIVE
               : HS_MODEL_GO;
}
