from django.apps import AppConfig


class IntegrationTestsConfig(AppConfig):
    name = "tests.integration"
    label = "integration_tests"
