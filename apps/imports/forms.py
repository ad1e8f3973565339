from django import forms

from apps.imports.interface import contracts


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(contracts.UPLOAD_EXTENSIONS)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        return [single(item, initial) for item in data] if isinstance(data, list | tuple) else [single(data, initial)]


class UploadForm(forms.Form):
    # Django's form metaclass moves declared fields into base_fields: this does not replace BaseForm.files.
    files = MultipleFileField(  # type: ignore[assignment]
        label="Activity files", help_text="GPX, TCX or FIT files, or a zip of them (an export of your watch or app)."
    )
