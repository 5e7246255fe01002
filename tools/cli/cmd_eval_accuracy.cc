// `lrp eval-accuracy`: top-1 and top-5 accuracy of a classifier over an
// IDX data set (MNIST, Fashion-MNIST).
#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "lrp/session.h"
#include "tools/cli/args.h"
#include "tools/cli/command.h"
#include "tools/cli/format.h"
#include "tools/cli/json_writer.h"
#include "tools/cli/progress.h"
#include "tools/io/idx.h"
#include "tools/io/preprocess.h"

namespace lrp {
namespace cli {
namespace {

constexpr char kName[] = "eval-accuracy";
constexpr size_t kTop5 = 5;

constexpr char kUsage[] =
    "usage: lrp eval-accuracy --model MODEL --idx-images IMAGES --idx-labels LABELS\n"
    "                         [--limit N] [--offset K] [--threads T] [--json]\n"
    "\n"
    "Runs MODEL on the images of an IDX data set (the format MNIST and\n"
    "Fashion-MNIST ship in, gzip-compressed or not) and compares the class\n"
    "with the highest score with each image's label. Prints the top-1\n"
    "accuracy, the top-5 accuracy when the model has at least 5 classes, and\n"
    "the images evaluated per second.\n"
    "\n"
    "IMAGES holds [N, H, W] unsigned bytes (grayscale), LABELS [N] class\n"
    "indices. The model must take an image, [H, W, 1] or [H, W, 3], and put\n"
    "out one score per class. Pixels are scaled to x / 255 and normalized\n"
    "with the model's mean and std; gray is replicated for a 3-channel model\n"
    "and images of another size are resized to the model's. Equal scores rank\n"
    "the lower class index first. One Session is created and reused for every\n"
    "image; the speed counts preparing the pixels and the forward passes, not\n"
    "loading the files.\n"
    "\n"
    "flags:\n"
    "  --model MODEL        the .lrpm file\n"
    "  --idx-images IMAGES  the images, e.g. t10k-images-idx3-ubyte.gz\n"
    "  --idx-labels LABELS  the labels, e.g. t10k-labels-idx1-ubyte.gz\n"
    "  --limit N            evaluate at most N images (default: all)\n"
    "  --offset K           start at image K, counting from 0 (default 0)\n"
    "  --threads T          worker threads (default 1)\n"
    "  --json               print one JSON object instead of text\n"
    "\n"
    "A progress bar is drawn on stderr when stderr is a terminal.\n";

constexpr FlagSpec kFlags[] = {
    {"--model", nullptr, true},  {"--idx-images", nullptr, true}, {"--idx-labels", nullptr, true},
    {"--limit", nullptr, true},  {"--offset", nullptr, true},     {"--threads", nullptr, true},
    {"--json", nullptr, false},
};

Status Invalid(const std::string& message) {
  return Status(StatusCode::kInvalidArgument, message);
}

// Which images to evaluate and how they reach the model.
struct DataSet {
  io::IdxArray images, labels;
  size_t available = 0;   // images in the files
  size_t offset = 0, count = 0;
  int height = 0, width = 0;
  bool fitted = false;    // resized or given 3 channels: not the model's H x W x 1
};

Status LoadDataSet(const std::string& images_path, const std::string& labels_path,
                   int64_t offset, int64_t limit, size_t classes, DataSet* ds) {
  LRP_RETURN_IF_ERROR(io::ReadIdx(images_path, &ds->images));
  LRP_RETURN_IF_ERROR(io::ReadIdx(labels_path, &ds->labels));
  const std::vector<int64_t>& id = ds->images.dims;
  const std::vector<int64_t>& ld = ds->labels.dims;
  if (id.size() != 3) {
    return Invalid(images_path + ": expected images [N, H, W], got dims " + io::IdxDimsString(id));
  }
  if (ld.size() != 1) {
    return Invalid(labels_path + ": expected labels [N], got dims " + io::IdxDimsString(ld));
  }
  if (id[0] != ld[0]) {
    return Invalid(images_path + " holds " + std::to_string(id[0]) + " images but " +
                   labels_path + " holds " + std::to_string(ld[0]) + " labels");
  }
  if (id[0] == 0) return Invalid(images_path + ": the data set holds no images");
  if (id[1] == 0 || id[2] == 0 || id[1] > INT_MAX || id[2] > INT_MAX) {
    return Invalid(images_path + ": unusable image size " + std::to_string(id[1]) + "x" +
                   std::to_string(id[2]));
  }
  ds->available = static_cast<size_t>(id[0]);
  if (static_cast<uint64_t>(offset) >= ds->available) {
    return Invalid("--offset " + std::to_string(offset) + " is past the last image (the data set holds " +
                   std::to_string(ds->available) + ")");
  }
  ds->offset = static_cast<size_t>(offset);
  ds->count = std::min(static_cast<size_t>(limit), ds->available - ds->offset);
  ds->height = static_cast<int>(id[1]);
  ds->width = static_cast<int>(id[2]);
  for (size_t i = ds->offset; i < ds->offset + ds->count; ++i) {
    if (ds->labels.data[i] >= classes) {
      return Invalid(labels_path + ": label " + std::to_string(ds->labels.data[i]) + " of image " +
                     std::to_string(i) + " is not a class of this model (" +
                     std::to_string(classes) + " classes)");
    }
  }
  return Status::Ok();
}

// Checks that the model classifies images; returns its number of classes.
Status CheckClassifier(const Model& model, size_t* classes) {
  LRP_RETURN_IF_ERROR(io::CheckImageModel(model));
  const Shape& out = model.output_shape();
  if (out.rank != 1) {
    return Invalid("this model's output " + out.ToString() +
                   " is not a vector of class scores");
  }
  *classes = static_cast<size_t>(out.dims[0]);
  return Status::Ok();
}

// The label's position among the scores, 0 for the best; equal scores rank
// the lower index first, as `lrp run` lists them.
Status LabelRank(const float* scores, size_t classes, size_t label, size_t* rank) {
  const float s = scores[label];
  *rank = 0;
  for (size_t j = 0; j < classes; ++j) {
    if (std::isnan(scores[j])) return Invalid("the model's scores hold NaN");
    if (scores[j] > s || (scores[j] == s && j < label)) ++*rank;
  }
  return Status::Ok();
}

struct Result {
  size_t top1 = 0, top5 = 0;
  double seconds = 0;
};

// Runs every selected image through one Session.
Status Evaluate(const Model& model, const DataSet& ds, size_t classes, Session* session,
                Result* result) {
  const Shape& in = model.input_shape();
  const size_t image_bytes = static_cast<size_t>(ds.height) * ds.width;
  io::Image source, fitted;
  source.width = ds.width;
  source.height = ds.height;
  source.channels = 1;
  std::vector<float> input(session->input_size());
  ProgressBar progress("images", ds.count);
  const auto start = std::chrono::steady_clock::now();
  for (size_t n = 0; n < ds.count; ++n) {
    const size_t i = ds.offset + n;
    const uint8_t* pixels = ds.images.data.data() + i * image_bytes;
    if (ds.fitted) {
      source.pixels.assign(pixels, pixels + image_bytes);
      LRP_RETURN_IF_ERROR(io::FitImage(source, in.dims[1], in.dims[0], in.dims[2], &fitted));
      pixels = fitted.pixels.data();
    }
    io::PixelsToModelInput(pixels, model, input.data());
    Status s = session->Forward(input.data(), input.size());
    size_t rank = 0;
    if (s.ok()) s = LabelRank(session->output(), classes, ds.labels.data[i], &rank);
    if (!s.ok()) return Status(s.code(), "image " + std::to_string(i) + ": " + s.message());
    result->top1 += rank == 0;
    result->top5 += rank < kTop5;
    progress.Update(n + 1);
  }
  result->seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Status::Ok();
}

std::string Percent(size_t correct, size_t total) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%zu/%zu = %.2f%%", correct, total,
                100.0 * static_cast<double>(correct) / static_cast<double>(total));
  return buf;
}

void PrintJson(const std::string& model_path, const std::string& images_path,
               const std::string& labels_path, const DataSet& ds, size_t classes, int threads,
               const Result& r) {
  const double total = static_cast<double>(ds.count);
  JsonWriter json;
  json.BeginObject();
  json.Member("model", model_path);
  json.Member("images", images_path);
  json.Member("labels", labels_path);
  json.MemberUInt("available", ds.available);
  json.MemberUInt("offset", ds.offset);
  json.MemberUInt("count", ds.count);
  json.MemberInts("image_size", {ds.height, ds.width});
  json.Key("fitted");
  json.Bool(ds.fitted);
  json.MemberUInt("classes", classes);
  json.MemberInt("threads", threads);
  json.MemberUInt("top1_correct", r.top1);
  json.MemberDouble("top1_accuracy", static_cast<double>(r.top1) / total);
  if (classes >= kTop5) {
    json.MemberUInt("top5_correct", r.top5);
    json.MemberDouble("top5_accuracy", static_cast<double>(r.top5) / total);
  }
  json.MemberDouble("seconds", r.seconds);
  json.MemberDouble("images_per_second", r.seconds > 0 ? total / r.seconds : 0.0);
  json.EndObject();
  std::fputs(json.str().c_str(), stdout);
}

void PrintText(const Model& model, const std::string& model_path, const std::string& images_path,
               const std::string& labels_path, const DataSet& ds, size_t classes, int threads,
               const Result& r) {
  std::string images = Printable(images_path) + ": " + std::to_string(ds.count) + " of " +
                       std::to_string(ds.available) + " from image " + std::to_string(ds.offset) +
                       ", " + std::to_string(ds.height) + "x" + std::to_string(ds.width);
  if (ds.fitted) images += ", fitted to the model input " + model.input_shape().ToString();
  char speed[96];
  std::snprintf(speed, sizeof(speed), "%.1f images/s (%.3f s, %d thread%s)",
                r.seconds > 0 ? static_cast<double>(ds.count) / r.seconds : 0.0, r.seconds,
                threads, threads == 1 ? "" : "s");
  std::vector<std::vector<std::string>> rows = {
      {"model", Printable(model_path)},
      {"images", images},
      {"labels", Printable(labels_path) + ", " + std::to_string(classes) + " classes"},
      {"top-1", Percent(r.top1, ds.count)},
  };
  if (classes >= kTop5) rows.push_back({"top-5", Percent(r.top5, ds.count)});
  rows.push_back({"speed", speed});
  PrintTable(rows, "");
}

int Run(const std::vector<std::string>& argv) {
  ParsedArgs args;
  Status s = ParseArgs(argv, kFlags, &args);
  if (!s.ok()) return UsageError(kName, s);
  if (!args.positional().empty()) {
    return UsageError(kName, "unexpected argument '" + args.positional()[0] + "'");
  }
  std::string model_path, images_path, labels_path;
  int64_t limit = 0, offset = 0;
  int threads = 1;
  for (Status check :
       {args.Required("--model", &model_path), args.Required("--idx-images", &images_path),
        args.Required("--idx-labels", &labels_path),
        args.Int("--limit", 1, io::kMaxIdxElements, io::kMaxIdxElements, &limit),
        args.Int("--offset", 0, io::kMaxIdxElements, 0, &offset), ThreadsFlag(args, &threads)}) {
    if (!check.ok()) return UsageError(kName, check);
  }

  Model model;
  s = Model::Load(model_path, &model);
  size_t classes = 0;
  if (s.ok()) s = CheckClassifier(model, &classes);
  if (!s.ok()) return Failure(kName, s);
  DataSet ds;
  s = LoadDataSet(images_path, labels_path, offset, limit, classes, &ds);
  if (!s.ok()) return Failure(kName, s);
  const Shape& in = model.input_shape();
  ds.fitted = in.dims[0] != ds.height || in.dims[1] != ds.width || in.dims[2] != 1;

  SessionOptions options;
  options.threads = threads;
  std::unique_ptr<Session> session;
  s = Session::Create(model, options, &session);
  if (!s.ok()) return Failure(kName, s);
  Result result;
  s = Evaluate(model, ds, classes, session.get(), &result);
  if (!s.ok()) return Failure(kName, s);

  if (args.Has("--json")) {
    PrintJson(model_path, images_path, labels_path, ds, classes, threads, result);
  } else {
    PrintText(model, model_path, images_path, labels_path, ds, classes, threads, result);
  }
  return kExitOk;
}

}  // namespace

const Command& EvalAccuracyCommand() {
  static const Command command = {kName, "top-1/top-5 accuracy over an IDX data set (MNIST)",
                                  kUsage, Run};
  return command;
}

}  // namespace cli
}  // namespace lrp
