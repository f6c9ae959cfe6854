/* go_sighandler.c - threads in the Go runtime's signal handler (see go_sighandler.h). */
#include "go_sighandler.h"

enum { MAX_MS = 100000 }; /* more threads in runtime.allm means it is corrupt */

uint64_t go_m_of_thread(go_rt *rt, int32_t tid)
{
    const go_offsets *o = &rt->off;
    uint64_t m = 0, procid, next;
    if (!rt->sym.allm || hs_read_u64(rt->t, rt->sym.allm, &m, NULL) < 0)
        return 0;
    for (size_t i = 0; m && i < MAX_MS; i++, m = next) {
        if (hs_read_u64(rt->t, m + (uint64_t)o->m_procid, &procid, NULL) < 0 ||
            hs_read_u64(rt->t, m + (uint64_t)o->m_alllink, &next, NULL) < 0)
            return 0;
        if ((int32_t)procid == tid)
            return m;
    }
    return 0;
}

int go_signal_interrupted(go_rt *rt, go_unwinder *u, uint64_t m, const hs_thread *th,
                          uint64_t *pc, uint64_t *sp, uint64_t *lr)
{
    const go_offsets *o = &rt->off;
    uint64_t gs, lo, hi;
    if (!m || !th || hs_read_u64(rt->t, m + (uint64_t)o->m_gsignal, &gs, NULL) < 0 || !gs ||
        hs_read_u64(rt->t, gs + (uint64_t)o->g_stack_lo, &lo, NULL) < 0 ||
        hs_read_u64(rt->t, gs + (uint64_t)o->g_stack_hi, &hi, NULL) < 0)
        return -1;
    hs_arch a = rt->t->arch;
    go_unwind_start st = {hs_thread_pc(a, th), hs_thread_sp(a, th), 1, lo, hi, hs_thread_lr(a, th)};
    if (st.sp < lo || st.sp >= hi)
        return -1;
    return go_unwind_signal_regs(u, &st, pc, sp, lr);
}
