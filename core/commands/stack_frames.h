/* stack_frames.h - which frame of a native thread holds a word of its stack, to name a glibc
 * heap's stack roots by thread and frame in heap-paths ("thread 42 frame #1 worker(void*)
 * (server.cpp:57)"): every thread walked once by the native model's unwinder (native_unwind.h)
 * with each frame's stack pointer. Only the commands that name stack words open it: the walk
 * costs a symbol and CFI lookup per frame. */
#ifndef HS_STACK_FRAMES_H
#define HS_STACK_FRAMES_H

#include "../native/native_unwind.h"

typedef struct stack_frame {
    uint64_t lo, hi;      /* the frame's stack memory, [lo, hi) */
    uint32_t number;      /* #N as threads-blocked lists the thread's frames (inlined calls count) */
    const char *function; /* the physical function (inlined calls share its memory) */
    const char *file;     /* source file, or the module's path when line is 0 */
    int32_t line;         /* 0: no debug information for the PC */
    const char *module;   /* without a line: the module's base name and the PC's offset in it */
    uint64_t offset;
} stack_frame;

typedef struct stack_frames stack_frames;

/* Walks t's threads (arm64 and other targets the unwinder refuses: an error, and no frames). */
int stack_frames_open(stack_frames **out, hs_target *t, hs_err *err);
void stack_frames_close(stack_frames *sf);

/* The frame of t->threads[thread] whose memory holds addr; NULL when the walk did not reach it
 * (beyond the last frame it knows, or the thread not walked). */
const stack_frame *stack_frames_find(const stack_frames *sf, size_t thread, uint64_t addr);

/* "frame #1 worker(void*) (server.cpp:57)", or with "(module+0xOFF)" when there is no line. */
void stack_frame_label(const stack_frame *f, char *buf, size_t cap);

#endif
