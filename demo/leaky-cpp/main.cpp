// leaky-cpp - the C++ half of heapscope's demo: a small "service" with the bugs heapscope finds
// in a C/C++ process from outside (scripts/demo.sh inspects it through gdb):
//   - a session table that only grows: every request's Session (a class with a vtable, so
//     heap-top names it) is kept in g_sessions and never erased;
//   - a request buffer per request whose only pointer is dropped: leaked, nothing points to it;
//   - two threads that take the same two mutexes in opposite orders: a lock-order deadlock;
//   - four workers waiting on a condition variable for jobs that never come.
// It prints READY once the threads are in place and then serves a request every 2 ms.
#include <pthread.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

class Session {
public:
    explicit Session(int id) : id_(id), user_("user-" + std::to_string(id)), reply_(256, 'x') {}
    virtual ~Session() = default;
    virtual const char *kind() const { return "plain"; }

private:
    int id_;
    std::string user_;
    std::vector<char> reply_;
};

class AdminSession : public Session {
public:
    explicit AdminSession(int id) : Session(id), rights_(64, 'r') {}
    const char *kind() const override { return "admin"; }

private:
    std::vector<char> rights_;
};

std::map<int, Session *> g_sessions; // grows forever: nobody erases a finished session
std::mutex g_accounts, g_audit;      // taken in opposite orders by transfer() and audit()
std::mutex g_jobs_mu;
std::condition_variable g_jobs;      // workers wait here; no job is ever queued
volatile char *g_sink;

static void name_thread(const char *name) { pthread_setname_np(pthread_self(), name); }

static void transfer()
{
    name_thread("transfer");
    std::lock_guard<std::mutex> a(g_accounts);
    usleep(100000);
    std::lock_guard<std::mutex> b(g_audit);
}

static void audit()
{
    name_thread("audit");
    std::lock_guard<std::mutex> b(g_audit);
    usleep(100000);
    std::lock_guard<std::mutex> a(g_accounts);
}

static void worker()
{
    name_thread("worker");
    std::unique_lock<std::mutex> l(g_jobs_mu);
    g_jobs.wait(l, [] { return false; });
}

static void serve(int id)
{
    Session *s = id % 10 == 0 ? new AdminSession(id) : new Session(id);
    g_sessions[id] = s;
    char *request = static_cast<char *>(malloc(2048)); // parsed, then forgotten: leaked
    snprintf(request, 2048, "GET /session/%d", id);
    g_sink = request;
    g_sink = nullptr;
}

int main()
{
    std::vector<std::thread> threads;
    threads.emplace_back(transfer);
    threads.emplace_back(audit);
    for (int i = 0; i < 4; i++)
        threads.emplace_back(worker);
    usleep(300000);
    printf("READY pid %d\n", getpid());
    fflush(stdout);
    for (int id = 0;; id++) {
        serve(id);
        usleep(2000);
    }
}
