// Starts `lrp demo` for the end-to-end tests, reads the port it prints, and
// talks to it over raw sockets where httplib's client would refuse to send
// what the test needs (malformed and oversized requests).
#ifndef LRP_TESTS_DEMO_DEMO_PROCESS_H_
#define LRP_TESTS_DEMO_DEMO_PROCESS_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

namespace lrp {
namespace demo_test {

class DemoProcess {
 public:
  // Runs `LRP_CLI demo <args>` through /bin/sh (args are shell words);
  // stderr goes to `stderr_path`.
  DemoProcess(const std::string& args, const std::string& stderr_path) {
    int fds[2];
    if (pipe(fds) != 0) return;
    const std::string command = "exec '" + std::string(LRP_CLI) + "' demo " + args + " 2>'" +
                                stderr_path + "' </dev/null";
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      close(fds[1]);
      execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
  }
  ~DemoProcess() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }

  // Reads stdout until `needle` appears or `seconds` pass; returns all
  // output so far.
  std::string ReadUntil(const std::string& needle, int seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (output_.find(needle) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      pollfd p = {out_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      const ssize_t n = read(out_, buf, sizeof buf);
      if (n <= 0) break;
      output_.append(buf, static_cast<size_t>(n));
    }
    return output_;
  }

  // The port from "listening on http://HOST:PORT/", or -1.
  int Port() {
    const std::string key = "listening on http://";
    const std::string out = ReadUntil("/\n", 120);
    const size_t at = out.find(key);
    if (at == std::string::npos) return -1;
    const size_t colon = out.find(':', at + key.size());
    return colon == std::string::npos ? -1 : std::atoi(out.c_str() + colon + 1);
  }

  bool Running() {
    if (exited_) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      status_ = status;
    }
    return !exited_;
  }

  // Sends `signal` and waits up to `seconds` for the exit; the exit code,
  // or -1 if the process was killed or did not end.
  int Stop(int signal, int seconds) {
    if (Running()) kill(pid_, signal);
    return Wait(seconds);
  }
  int Wait(int seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (Running() && std::chrono::steady_clock::now() < deadline) usleep(20000);
    if (!exited_) return -1;
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
  }
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string output_;
  bool exited_ = false;
  int status_ = 0;
};

// A TCP connection to 127.0.0.1:port; -1 on failure.
inline int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends `request` as is and returns what the server answers until it closes
// the connection, `max_bytes` arrive or `seconds` pass.
inline std::string RawExchange(int port, const std::string& request, size_t max_bytes = 65536,
                               int seconds = 10) {
  const int fd = Connect(port);
  if (fd < 0) return "";
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early on an oversized request
    sent += static_cast<size_t>(n);
  }
  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (answer.size() < max_bytes && std::chrono::steady_clock::now() < deadline) {
    pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<size_t>(n));
    // A complete response with a length ends the exchange: the server may
    // keep the connection open for the next request.
    const size_t end = answer.find("\r\n\r\n");
    const size_t length = answer.find("Content-Length: ");
    if (end != std::string::npos && length != std::string::npos && length < end &&
        answer.size() >= end + 4 + std::strtoull(answer.c_str() + length + 16, nullptr, 10)) {
      break;
    }
  }
  close(fd);
  return answer;
}

// "HTTP/1.1 404 Not Found" -> 404; 0 if the answer is not HTTP.
inline int StatusCodeOf(const std::string& answer) {
  if (answer.compare(0, 5, "HTTP/") != 0) return 0;
  const size_t space = answer.find(' ');
  return space == std::string::npos ? 0 : std::atoi(answer.c_str() + space + 1);
}

}  // namespace demo_test
}  // namespace lrp

#endif  // LRP_TESTS_DEMO_DEMO_PROCESS_H_
