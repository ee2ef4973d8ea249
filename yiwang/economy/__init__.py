"""Economic development (经济发展): firm profiles, 挂钩服务, enterprise requests, 亩均效益."""
