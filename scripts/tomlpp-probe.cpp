// scripts/tomlpp-probe.sh: parses each file named on the command line with toml++ (the toml.hpp of the TOMLKit
// checkout, exceptions on as TOMLKit builds it), each in a child process; prints "abort" (an assertion), "error"
// (a parse error), "ok" or "signal" per file.
#define TOML_EXCEPTIONS 1
#include "toml.hpp"
#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char** argv) {
    for (int i = 1; i < argc; i++) {
        std::ifstream in(argv[i], std::ios::binary);
        std::stringstream ss; ss << in.rdbuf();
        std::string text = ss.str();
        pid_t pid = fork();
        if (pid == 0) {
            try { auto t = toml::parse(text); _exit(0); } catch (const toml::parse_error&) { _exit(3); }
        }
        int status = 0; waitpid(pid, &status, 0);
        if (WIFSIGNALED(status)) printf("%s: %s\n", argv[i], WTERMSIG(status) == SIGABRT ? "abort" : "signal");
        else printf("%s: %s\n", argv[i], WEXITSTATUS(status) == 0 ? "ok" : WEXITSTATUS(status) == 3 ? "error" : "exit?");
    }
}
