/* native_tiny.c - the program whose core seeds fuzz_native_threads (fuzz/data/native_tiny.core.gz,
 * made by fuzz/tools/native_core.sh): three small-stacked threads blocked on a mutex main holds,
 * in read on a pipe and in nanosleep, and main in pthread_join. Kept small so the core is. */
#include <pthread.h>
#include <unistd.h>

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_pipe[2];

static void *locker(void *arg)
{
    pthread_mutex_lock(&g_lock);
    return arg;
}

static void *reader(void *arg)
{
    char c;
    return read(g_pipe[0], &c, 1) < 0 ? NULL : arg;
}

static void *sleeper(void *arg)
{
    sleep(1000);
    return arg;
}

int main(void)
{
    void *(*fns[])(void *) = {locker, reader, sleeper};
    pthread_t t[3];
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 64 << 10);
    if (pipe(g_pipe) != 0)
        return 1;
    pthread_mutex_lock(&g_lock);
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], &a, fns[i], NULL);
    pthread_join(t[0], NULL);
    return 0;
}
