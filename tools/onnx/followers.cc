#include "tools/onnx/followers.h"

#include <cmath>

namespace lrp {
namespace onnx_import {
namespace {

// The value of a per-channel constant for channel `c`, when `k` broadcasts
// over the output as one value per channel (or one value overall).
bool PerChannel(const Constant& k, const LinearLayer& layer, std::vector<float>* values) {
  if (!k.is_float) return false;
  if (k.f.size() == 1) {
    values->assign(layer.channels, k.f[0]);
    return true;
  }
  if (static_cast<int64_t>(k.f.size()) != layer.channels || k.dims.size() > layer.dims.size()) {
    return false;
  }
  // Right-aligned broadcasting: the constant's only non-1 axis must be the
  // channel axis of the output.
  const size_t channel_axis = layer.feature_map ? 1 : layer.dims.size() - 1;
  const size_t offset = layer.dims.size() - k.dims.size();
  for (size_t i = 0; i < k.dims.size(); ++i) {
    if (k.dims[i] != 1 && i + offset != channel_axis) return false;
  }
  values->assign(k.f.begin(), k.f.end());
  return true;
}

Status ChannelVector(Context& ctx, const onnx::NodeProto& node, int k, const char* what,
                     int32_t channels, std::vector<float>* out) {
  const Constant* c = nullptr;
  LRP_RETURN_IF_ERROR(ctx.ConstInput(node, k, &c));
  if (c == nullptr || !c->is_float || static_cast<int64_t>(c->f.size()) != channels) {
    return Context::Error(node, std::string(what) + " must be a float constant of " +
                                    std::to_string(channels) + " values");
  }
  *out = c->f;
  return Status::Ok();
}

// Folds y = gamma * (x - mean) / sqrt(var + eps) + beta into the layer.
Status FoldBatchNorm(Context& ctx, const onnx::NodeProto& node, LinearLayer* layer) {
  std::vector<float> mean, var, gamma, beta;
  float eps = 0;
  LRP_RETURN_IF_ERROR(
      BatchNormAffine(ctx, node, layer->channels, &mean, &var, &gamma, &beta, &eps));
  const size_t fan_in = layer->weights.size() / layer->channels;
  for (int32_t o = 0; o < layer->channels; ++o) {
    // Double keeps the folded weights as close to the unfolded graph as
    // float storage allows.
    const double s = gamma[o] / std::sqrt(static_cast<double>(var[o]) + eps);
    for (size_t i = 0; i < fan_in; ++i) {
      float& w = layer->weights[o * fan_in + i];
      w = static_cast<float>(w * s);
    }
    layer->bias[o] = static_cast<float>((layer->bias[o] - mean[o]) * s + beta[o]);
  }
  layer->has_bias = true;
  ctx.notes().push_back("folded BatchNormalization '" + Context::LayerName(node) + "'");
  return Status::Ok();
}

}  // namespace

Status BatchNormAffine(Context& ctx, const onnx::NodeProto& node, int32_t channels,
                       std::vector<float>* mean, std::vector<float>* variance,
                       std::vector<float>* gamma, std::vector<float>* beta, float* epsilon) {
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(
      node, {"epsilon", "momentum", "training_mode", "spatial", "is_test", "consumed_inputs"}));
  Attributes a(node);
  int64_t training = 0, spatial = 1;
  LRP_RETURN_IF_ERROR(a.Int("training_mode", 0, &training));
  LRP_RETURN_IF_ERROR(a.Int("spatial", 1, &spatial));
  if (training != 0) return Context::Error(node, "training_mode = 1 is not inference");
  if (spatial != 1) return Context::Error(node, "spatial = 0 is not supported");
  for (int k = 1; k < node.output_size(); ++k) {
    if (!node.output(k).empty()) {
      return Context::Error(node, "running statistics outputs are training-only");
    }
  }
  LRP_RETURN_IF_ERROR(a.Float("epsilon", 1e-5f, epsilon));
  if (!(*epsilon >= 0) || !std::isfinite(*epsilon)) {
    return Context::Error(node, "epsilon must be finite and not negative");
  }
  LRP_RETURN_IF_ERROR(ChannelVector(ctx, node, 1, "scale", channels, gamma));
  LRP_RETURN_IF_ERROR(ChannelVector(ctx, node, 2, "B", channels, beta));
  LRP_RETURN_IF_ERROR(ChannelVector(ctx, node, 3, "mean", channels, mean));
  LRP_RETURN_IF_ERROR(ChannelVector(ctx, node, 4, "var", channels, variance));
  for (int32_t c = 0; c < channels; ++c) {
    if (!((*variance)[c] + *epsilon > 0)) {
      return Context::Error(node, "var + epsilon must be positive (channel " +
                                      std::to_string(c) + ")");
    }
  }
  return Status::Ok();
}

Status AbsorbFollowers(Context& ctx, LinearLayer* layer) {
  for (;;) {
    const int next = ctx.SoleConsumer(layer->output);
    if (next < 0 || ctx.Done(next)) return Status::Ok();
    const onnx::NodeProto& node = ctx.node(next);
    const std::string& op = node.op_type();
    // BatchNormalization normalizes axis 1, which is the layer's channel
    // axis only for feature maps and 2-D outputs.
    const bool channels_on_axis1 = layer->feature_map || layer->dims.size() == 2;
    if (op == "BatchNormalization" && node.input(0) == layer->output && channels_on_axis1) {
      LRP_RETURN_IF_ERROR(FoldBatchNorm(ctx, node, layer));
    } else if (op == "Add" && node.input_size() == 2) {
      const int other = node.input(0) == layer->output ? 1 : 0;
      if (!ctx.IsConstant(node.input(other))) return Status::Ok();
      const Constant* k = nullptr;
      LRP_RETURN_IF_ERROR(ctx.ConstInput(node, other, &k));
      std::vector<float> add;
      if (!PerChannel(*k, *layer, &add)) return Status::Ok();
      for (int32_t o = 0; o < layer->channels; ++o) layer->bias[o] += add[o];
      layer->has_bias = true;
    } else if (op == "Relu") {
      layer->activation = Activation::kRelu;
    } else if (op == "Clip") {
      // Clip(0, 6) is ReLU6, the only bounded activation the layers fuse.
      float lo = -INFINITY, hi = INFINITY;
      if (ctx.opset() < 11) {
        Attributes a(node);
        LRP_RETURN_IF_ERROR(a.Float("min", -INFINITY, &lo));
        LRP_RETURN_IF_ERROR(a.Float("max", INFINITY, &hi));
      } else {
        for (int k = 1; k <= 2; ++k) {
          if (!ctx.HasInput(node, k)) continue;
          if (!ctx.IsConstant(node.input(k))) return Status::Ok();
          const Constant* c = nullptr;
          LRP_RETURN_IF_ERROR(ctx.ConstInput(node, k, &c));
          if (!c->is_float || c->f.size() != 1) return Status::Ok();
          (k == 1 ? lo : hi) = c->f[0];
        }
      }
      if (lo != 0.0f || !(hi == 6.0f || std::isinf(hi))) return Status::Ok();
      layer->activation = std::isinf(hi) ? Activation::kRelu : Activation::kRelu6;
    } else {
      return Status::Ok();
    }
    ctx.MarkDone(next);
    layer->output = node.output(0);
    if (layer->activation != Activation::kNone) return Status::Ok();
  }
}

}  // namespace onnx_import
}  // namespace lrp
