// Placeholder until the app module lands.
int main() { return 0; }
