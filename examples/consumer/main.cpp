// Links libnnfs.a from an install prefix and learns XOR with a tiny MLP: exit status 0 on success.
#include <cstdio>
#include <vector>

#include <nnfs/nnfs.hpp>

int main() {
    nnfs::manual_seed(7);
    const std::vector<float> xs{0, 0, 0, 1, 1, 0, 1, 1};
    const std::vector<int32_t> ys{0, 1, 1, 0};
    const nnfs::Tensor x = nnfs::Tensor::from({4, 2}, xs);

    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(2, 8, nnfs::Init::HeUniform);
    net.emplace<nnfs::Tanh>();
    net.emplace<nnfs::Linear>(8, 2);
    nnfs::CrossEntropyLoss loss;
    nnfs::Adam opt(net.parameters(), {.lr = 0.05f});
    float l = 0.0f;
    for (int step = 0; step < 500; ++step) {
        opt.zero_grad();
        l = loss.forward(net.forward(x), ys);
        net.backward(loss.backward());
        opt.step();
    }
    const double acc = nnfs::accuracy(nnfs::argmax(net.forward(x)), ys);
    std::printf("consumer: XOR loss %.5f, accuracy %.2f (%s)\n", l, acc, nnfs::kernel_info().c_str());
    return acc == 1.0 && l < 0.05f ? 0 : 1;
}
